// main() of every native test executable; the tests themselves register through TEST() in harness.h.
#include "harness.h"

int main(int argc, char** argv) { return ::tf_test::run_all(argc, argv); }
