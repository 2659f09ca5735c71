// The NATS cluster the benchmarks share: three servers of the tests'
// harness, started once for the process on first use, so raw libnats and
// airssys's cluster are measured on the same servers in the same run.
#pragma once

#include "nats_cluster.hpp"

namespace airssys::bench {

inline test::NatsCluster& nats_cluster() {
  static test::NatsCluster servers(3);
  return servers;
}

}  // namespace airssys::bench
