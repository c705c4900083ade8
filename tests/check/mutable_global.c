/* expect: tests/check/mutable_global.c:4:7: error: mutable file-scope variable 'scale' is not allowed (generated code keeps no hidden state) */
/* Two models in one process must not share state: file-scope data must be const. */

float scale = 2.0f;

float scaled(float x);
float scaled(float x) {
  return scale * x;
}
