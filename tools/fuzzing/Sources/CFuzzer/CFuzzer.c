// The declaration in include/CFuzzer.h is all; compiler-rt defines the function.
