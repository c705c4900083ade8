/*
 * fuzz_tiles.c - libFuzzer target: host/tiles.c's reader of tile profiles
 * on arbitrary bytes (written to a file: tiles_read takes a path, as rnnc
 * reads a profile from the cache or from the user).
 *
 * What a read accepts is then used as code generation uses it: every rule
 * looked up through a TileChoice, which must give the rule's own tiles back
 * (each shape has one rule), and written and read back to the same rules.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "tiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[FUZZ_PATH_MAX], err[8192];
  TileProfile p, q;
  fuzz_write(path, "tiles.txt", data, size);
  if (tiles_read(path, &p, err, sizeof err) == 0) {
    TileChoice c = tiles_choice(&p, TILES_PORTABLE);
    for (int i = 0; i < p.nrules; i++)
      if (tile_choose(&c, p.rules[i].shape) != p.rules[i].kind) __builtin_trap();
    if (tiles_write(path, &p, "fuzz", err, sizeof err) || tiles_read(path, &q, err, sizeof err) ||
        q.nrules != p.nrules || strcmp(q.key, p.key))
      __builtin_trap();
    for (int i = 0; i < q.nrules; i++)
      if (!tile_shape_eq(q.rules[i].shape, p.rules[i].shape) || q.rules[i].kind != p.rules[i].kind) __builtin_trap();
    tiles_free(&q);
  } else if (!memchr(err, ':', strlen(err)) || p.rules) {
    __builtin_trap(); /* a refusal names the file, and keeps nothing */
  }
  tiles_free(&p);
  fuzz_remove("tiles.txt");
  return 0;
}
