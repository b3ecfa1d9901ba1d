# find_package(imcsim): imported targets imcsim::imcsim (shared) and
# imcsim::imcsim_static, with SystemC/TLM (and for the static one libyaml and
# protobuf-c) found through pkg-config as the build found them.
include(CMakeFindDependencyMacro)
find_dependency(PkgConfig)
pkg_check_modules(SYSTEMC REQUIRED IMPORTED_TARGET systemc)
pkg_check_modules(TLM REQUIRED IMPORTED_TARGET tlm)
pkg_check_modules(YAML REQUIRED IMPORTED_TARGET yaml-0.1)
pkg_check_modules(IMC_PROTOBUF_C REQUIRED IMPORTED_TARGET libprotobuf-c)
include(${CMAKE_CURRENT_LIST_DIR}/imcsimTargets.cmake)
