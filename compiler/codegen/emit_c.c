/*
 * emit_c.c - the text of NAME.h and NAME.c for a model's graphs (see emit_c.h):
 * the C emitter's pipeline, top to bottom.
 *
 * NAME.c's functions come first, each defined in md.source and declared in
 * md.header as it is emitted: NAME_init and NAME_store / NAME_load
 * (params.c), one entry point per graph (entry.c, which plans the graph and
 * interns its kernels, kernels.c), then NAME_weights when the caller gives
 * weights.  Then the two files are put together: NAME.h last of all, since
 * its macros give the arena sizes planning the entry points found (header.c);
 * NAME.c is its preamble and runtime code (preamble.c), the parameter table,
 * the kernels, the functions, and the tool API (tool_api.c).
 */
#include "emit_c.h"

#include <stdlib.h>
#include <string.h>

#include "emit_c_internal.h"

static void upper(char *dst, const char *src, size_t size) {
  size_t i = 0;
  for (; src[i] && i + 1 < size; i++) dst[i] = (char)(src[i] >= 'a' && src[i] <= 'z' ? src[i] - 32 : src[i]);
  dst[i] = 0;
}

int emit_c_model(const EmitModel *m, char **h, char **c, char *err, size_t errlen) {
  Model md = {.spec = m->spec, .reference = m->graphs[FN_PREDICT], .entries = m->entries, .tiles = &m->tiles};
  for (int k = 0; k < FN_COUNT; k++) md.graphs[k] = m->entries & 1u << k ? m->graphs[k] : NULL;
  /* the graph with every parameter the entry points read (train_step's and
   * apply's have the optimizer's state; an inference build has none) */
  const Graph *gp = md.graphs[FN_STEP]    ? md.graphs[FN_STEP]
                    : md.graphs[FN_APPLY] ? md.graphs[FN_APPLY]
                    : md.graphs[FN_GRAD]  ? md.graphs[FN_GRAD]
                                          : md.reference;
  md.name = md.reference->cfg.name;
  upper(md.NAME, md.name, sizeof md.NAME);
  md.real = md.reference->cfg.dtype;
  md.T = emit_ctype(md.real);
  md.layout = plan_param_layout(gp);

  /* NAME.c's functions, each into md.source and declared in md.header */
  if (md.entries & ENTRY_INIT) emit_init(&md, gp);
  emit_blob(&md, gp);
  for (int k = 0; k < FN_COUNT; k++)
    if (md.graphs[k]) emit_function(&md, (FnKind)k);
  int rc = m->weights ? emit_weights(&md, gp, m, err, errlen) : 0;

  if (!rc) {
    Buf hb = {0}, cb = {0};
    emit_header(&md, &hb); /* now that the arena sizes are known */
    emit_preamble(&md, &cb);
    emit_tables(&md, gp, &cb);
    buf_printf(&cb, "%s%s", buf_str(&md.kernels.defs), buf_str(&md.source));
    if (md.entries == ENTRY_ALL) emit_tool_api(&md, &cb);
    *h = hb.s;
    *c = cb.s;
  }
  buf_free(&md.header), buf_free(&md.source);
  kernels_free(&md.kernels);
  plan_layout_free(md.layout);
  free(md.step_panels);
  return rc;
}
