/* The registry line of the test ADC model (adc_test_flat.c). */
#define ADC_TEST_MODELS(X) X(test_flat)
