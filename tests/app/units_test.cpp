#include "airssys/app/units.hpp"

#include <gtest/gtest.h>

namespace airssys::app {
namespace {

using namespace std::chrono_literals;

TEST(Units, Durations) {
  EXPECT_EQ(parse_duration("250ms"), rt::Duration(250ms));
  EXPECT_EQ(parse_duration("5s"), rt::Duration(5s));
  EXPECT_EQ(parse_duration("1.5s"), rt::Duration(1500ms));
  EXPECT_EQ(parse_duration("2m"), rt::Duration(120s));
  EXPECT_EQ(parse_duration("1h"), rt::Duration(3600s));
  EXPECT_EQ(parse_duration("10us"), rt::Duration(10us));
  EXPECT_FALSE(parse_duration("5"));
  EXPECT_FALSE(parse_duration("five seconds"));
  EXPECT_FALSE(parse_duration("5 parsecs"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration(""));
}

TEST(Units, Sizes) {
  EXPECT_EQ(parse_size("64KiB"), 65536u);
  EXPECT_EQ(parse_size("1MiB"), 1048576u);
  EXPECT_EQ(parse_size("1GiB"), 1073741824u);
  EXPECT_EQ(parse_size("2MB"), 2000000u);
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_FALSE(parse_size("1 gallon"));
  EXPECT_FALSE(parse_size("MiB"));
}

}  // namespace
}  // namespace airssys::app
