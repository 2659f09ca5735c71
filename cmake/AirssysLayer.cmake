# airssys_add_layer(<name> [DEPS layer...] [PUBLIC_DEPS target...] [PRIVATE_DEPS target...])
# Builds src/<name>/*.cpp into the static library airssys_<name> (alias and
# exported name airssys::<name>), with its public headers under
# include/airssys/<name>/, and installs both.
function(airssys_add_layer name)
  cmake_parse_arguments(ARG "" "" "DEPS;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cpp)
  if(NOT sources)
    message(FATAL_ERROR "airssys_add_layer(${name}): no sources in src/${name}/")
  endif()
  add_library(airssys_${name} STATIC ${sources})
  add_library(airssys::${name} ALIAS airssys_${name})
  set_target_properties(airssys_${name} PROPERTIES EXPORT_NAME ${name}
                                                   POSITION_INDEPENDENT_CODE ON)
  target_include_directories(airssys_${name}
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${PROJECT_SOURCE_DIR}/src/${name})
  foreach(dep IN LISTS ARG_DEPS)
    target_link_libraries(airssys_${name} PUBLIC airssys_${dep})
  endforeach()
  target_link_libraries(airssys_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  install(TARGETS airssys_${name} EXPORT airssysTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  if(EXISTS ${PROJECT_SOURCE_DIR}/include/airssys/${name})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/airssys/${name}
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/airssys)
  endif()
endfunction()

# airssys_add_tests(<name> [ENVIRONMENT var=value...] [EXCLUDE file...] [LINK target...]):
# tests/<name>/*_test.cpp (but the EXCLUDE files) into airssys_<name>_tests,
# linked with the layer airssys::<name> when there is one and the LINK
# targets, labelled <name>, one ctest test per gtest case, each failing
# after 120 s instead of hanging.
# NO_PRETTY_VALUES keeps ctest names to the gtest names (no printed GetParam()).
function(airssys_add_tests name)
  cmake_parse_arguments(ARG "" "" "ENVIRONMENT;EXCLUDE;LINK" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/${name}/*_test.cpp)
  foreach(excluded IN LISTS ARG_EXCLUDE)
    list(REMOVE_ITEM sources ${PROJECT_SOURCE_DIR}/tests/${name}/${excluded})
  endforeach()
  if(NOT sources)
    return()
  endif()
  add_executable(airssys_${name}_tests ${sources})
  if(TARGET airssys_${name})
    target_link_libraries(airssys_${name}_tests PRIVATE airssys::${name})
  endif()
  target_link_libraries(airssys_${name}_tests PRIVATE ${ARG_LINK} GTest::gtest_main
                                                      nlohmann_json::nlohmann_json)
  target_include_directories(airssys_${name}_tests PRIVATE ${PROJECT_SOURCE_DIR}/tests/${name})
  gtest_discover_tests(airssys_${name}_tests DISCOVERY_TIMEOUT 60 NO_PRETTY_VALUES
                       PROPERTIES TIMEOUT 120 LABELS ${name} ENVIRONMENT "${ARG_ENVIRONMENT}")
endfunction()
