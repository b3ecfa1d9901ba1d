# libimcsim: every module's objects in one static and one shared library, its
# public headers, imcsim.pc and a CMake package (find_package(imcsim)), all
# put in place by `cmake --install` (docs/vp.md, "Embedding"). The imcsim
# executable links the static one like any other user.
set(IMC_LIB_MODULES imc_base imc_arch imc_components imc_components_sc imc_noc imc_noc_sc
    imc_workloads imc_traces imc_func imc_estimate imc_image imc_sim)
set(IMC_LIB_DIRS base arch components components/sc noc workloads traces sim)
pkg_check_modules(IMC_PROTOBUF_C REQUIRED IMPORTED_TARGET libprotobuf-c)

set(imc_objects "")
set(imc_build_includes "")
foreach(m ${IMC_LIB_MODULES})
  list(APPEND imc_objects $<TARGET_OBJECTS:${m}>)
endforeach()
foreach(d ${IMC_LIB_DIRS})
  list(APPEND imc_build_includes $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/${d}>)
endforeach()

foreach(kind static shared)
  string(TOUPPER ${kind} KIND)
  add_library(libimcsim_${kind} ${KIND} ${imc_objects})
  set_target_properties(libimcsim_${kind} PROPERTIES OUTPUT_NAME imcsim
    ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib
    VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
    EXPORT_NAME imcsim$<$<STREQUAL:${kind},static>:_static>)
  target_include_directories(libimcsim_${kind} PUBLIC ${imc_build_includes}
                             $<INSTALL_INTERFACE:include/imcsim>)
  target_link_libraries(libimcsim_${kind} PUBLIC PkgConfig::SYSTEMC PkgConfig::TLM
                        PRIVATE PkgConfig::YAML PkgConfig::IMC_PROTOBUF_C m)
endforeach()
set_target_properties(libimcsim_static PROPERTIES EXPORT_NAME imcsim_static)
set_target_properties(libimcsim_shared PROPERTIES EXPORT_NAME imcsim)

include(GNUInstallDirs)
install(TARGETS libimcsim_static libimcsim_shared EXPORT imcsimTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS imcsim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Public headers: every module header but the private ones (*_internal.h, the
# job runner, the generated ONNX decoder's users).
foreach(d ${IMC_LIB_DIRS})
  file(GLOB hs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${d}/*.h)
  list(FILTER hs EXCLUDE REGEX "(_internal|vp_worker|onnx_wire)\\.h$")
  install(FILES ${hs} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/imcsim)
endforeach()
install(EXPORT imcsimTargets NAMESPACE imcsim:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/imcsim)
include(CMakePackageConfigHelpers)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/imcsimConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_SOURCE_DIR}/cmake/imcsimConfig.cmake ${CMAKE_BINARY_DIR}/imcsimConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/imcsim)
configure_file(${PROJECT_SOURCE_DIR}/cmake/imcsim.pc.in ${CMAKE_BINARY_DIR}/imcsim.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/imcsim.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
