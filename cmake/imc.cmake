# imc_check_test(NAME SOURCES a.c b.c LIBS lib1 lib2 [TIMEOUT s] [LABELS l])
# A Check test run through CTest. Check's fork mode is kept (each test in its
# own process), which is also what lets SystemC tests elaborate once per test.
function(imc_check_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CHECK)
  # Under IMC_ASAN a SystemC test (one that defines sc_main) gets
  # test/sanitizers/lsan_main.cpp as its entry point: SystemC's own copies of
  # argv are then not reported as leaks, and the test's are.
  if(IMC_ASAN)
    foreach(src ${T_SOURCES})
      get_filename_component(path ${src} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
      file(READ ${path} text)
      string(FIND "${text}" "int sc_main(" at)
      if(NOT at EQUAL -1)
        target_sources(${name} PRIVATE ${PROJECT_SOURCE_DIR}/test/sanitizers/lsan_main.cpp)
        set_source_files_properties(${src} PROPERTIES COMPILE_DEFINITIONS sc_main=imc_test_sc_main)
      endif()
    endforeach()
  endif()
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/test)
  add_test(NAME ${name} COMMAND ${name} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES
    TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "CK_DEFAULT_TIMEOUT=${T_TIMEOUT};SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1;IMC_SRC=${PROJECT_SOURCE_DIR};IMC_BIN=$<TARGET_FILE_DIR:imcsim>")
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()

# imc_systemc(target): compile/link a target against SystemC + TLM.
function(imc_systemc target)
  target_link_libraries(${target} PUBLIC PkgConfig::SYSTEMC PkgConfig::TLM)
endfunction()

# imc_bench(NAME SOURCES ... LIBS ...): a benchmark executable bench_NAME in
# build/bench/, run with `scripts/bench NAME`. Benchmarks print figures; they
# are never tests.
function(imc_bench name)
  cmake_parse_arguments(B "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(bench_${name} ${B_SOURCES})
  target_link_libraries(bench_${name} PRIVATE ${B_LIBS})
  set_target_properties(bench_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endfunction()
