/* expect: tests/check/static_local.c:6:14: error: mutable static local variable 'calls' is not allowed (generated code keeps no hidden state) */
/* A static local is file-scope state too. */

int count(void);
int count(void) {
  static int calls;
  return ++calls;
}
