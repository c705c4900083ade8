/* A header found through -I: checked like the file that includes it. */
#ifndef FEATURES
#error FEATURES is not defined
#endif
