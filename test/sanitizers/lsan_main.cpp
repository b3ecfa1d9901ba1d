// Built into the SystemC test programs only with -DIMC_ASAN=ON (cmake/imc.cmake).
// sc_elab_and_sim copies argv into two vectors before it calls sc_main and
// frees them when sc_main returns; Check's forked test processes exit inside
// sc_main, so LeakSanitizer would report SystemC's copies in every test. They
// are allocated with leak detection off; the test's own sc_main (renamed
// imc_test_sc_main by the build) runs with it on, so its leaks still show.
#undef sc_main
#include <systemc>

#include <sanitizer/lsan_interface.h>

extern "C" int imc_test_sc_main(int argc, char *argv[]);

int sc_main(int argc, char *argv[])
{
    __lsan_enable();
    return imc_test_sc_main(argc, argv);
}

int main(int argc, char **argv)
{
    __lsan_disable();
    return sc_core::sc_elab_and_sim(argc, argv);
}
