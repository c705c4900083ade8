/*
 * dot.c - writes a graph in Graphviz's dot language.
 *
 * One box per node labelled with its op, shape and spec line; parameters and
 * inputs are shaded, results are double-bordered with their names, and a
 * state's back edge (forward graph) is drawn dashed and labelled "next".
 * Written to a temporary (rnnc_tmp.h) and renamed, so a failure never leaves
 * half a file.
 */
#include "dot.h"

#include <stdio.h>

#include "rnnc_tmp.h"

static void node_label(FILE *f, const Node *n) {
  fprintf(f, "%s", ir_ops[n->op].name);
  ir_print_attrs(n, f); /* names are in their character sets: nothing to quote */
  fprintf(f, "\\n[");
  for (int k = 0; k < n->shape.rank; k++) fprintf(f, "%s%d", k ? "," : "", n->shape.dim[k]);
  fprintf(f, "]%s", n->seq ? " per step" : "");
  if (n->loc.file) fprintf(f, "\\nline %d", n->loc.line);
}

static void write_graph(FILE *f, const void *graph) {
  const Graph *g = graph;
  fprintf(f, "digraph \"%s\" {\n  rankdir=TB;\n  node [shape=box, fontname=Helvetica, fontsize=10];\n",
          g->cfg.name ? g->cfg.name : "rnnc");
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = g->nodes[i];
    bool leaf = n->op == OP_PARAM || n->op == OP_INPUT;
    fprintf(f, "  n%d [label=\"", n->id);
    node_label(f, n);
    fprintf(f, "\"%s];\n", leaf ? ", style=filled, fillcolor=\"#dde8f5\"" : "");
    for (int k = 0; k < n->nin; k++) fprintf(f, "  n%d -> n%d;\n", n->in[k]->id, n->id);
    if (n->back) fprintf(f, "  n%d -> n%d [style=dashed, label=\"next\"];\n", n->back->id, n->id);
  }
  for (int i = 0; i < g->nresults; i++) {
    const Result *r = &g->results[i];
    fprintf(f, "  r%d [label=\"%s\", shape=doubleoctagon];\n  n%d -> r%d;\n", i, r->name,
            r->node->id, i);
  }
  fprintf(f, "}\n");
}

int dot_write(const Graph *g, const char *path, char *err, size_t errlen) {
  return rnnc_tmp_write(path, write_graph, g, err, errlen);
}
