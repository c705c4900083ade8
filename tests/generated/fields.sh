#!/bin/sh
# fields.sh NAME.h - writes to stdout fields.h, which describes a generated
# model to a generic C program (tests/generated/harness.c, tests/port/*.c):
#   MODEL, UPPER, HEADER  the model's name as in NAME_predict and NAME_PARAMS_BYTES,
#                         and "NAME.h";
#   FN(suffix), K(suffix) FN(_predict) is NAME_predict, K(_PARAMS_BYTES) is
#                         NAME_PARAMS_BYTES;
#   REAL                  float or double (the type NAME_init writes);
#   HAS_GRAD, HAS_TRAIN, HAS_STEP
#                         defined when the model has NAME_grad / NAME_train_step /
#                         a streaming step (NAME_step);
#   BATCH_FIELDS(F), OUTPUT_FIELDS(F), STEP_INPUT_FIELDS(F), STEP_OUTPUT_FIELDS(F):
#                         F(name, type, elements, ids) per member of NAME_batch,
#                         NAME_outputs, NAME_step_input, NAME_step_outputs, read
#                         from the header's struct comments ("/* [64, 28, 28] */";
#                         inputs with ids > 0 hold ids in [0, ids)).
set -eu
header=$1
name=$(basename "$header" .h)
upper=$(echo "$name" | tr a-z A-Z)
echo "#define MODEL $name"
echo "#define UPPER $upper"
echo "#define HEADER \"$name.h\""
echo "#define CAT_(a, b) a##b"
echo "#define CAT(a, b) CAT_(a, b)"
echo "#define FN(suffix) CAT(MODEL, suffix)"
echo "#define K(suffix) CAT(UPPER, suffix)"
grep -q "^void ${name}_init(double \*" "$header" && echo "#define REAL double" || echo "#define REAL float"
grep -q "${name}_grad(" "$header" && echo "#define HAS_GRAD"
grep -q "${name}_train_step(" "$header" && echo "#define HAS_TRAIN"
grep -q "${name}_step(" "$header" && echo "#define HAS_STEP"
awk -v model="$name" '
  /^typedef struct \{/ { fields = ""; next }
  /^  (const )?[a-z0-9_]+ \*[a-z0-9_]+; \/\* \[/ {
    line = $0; sub(/^  (const )?/, "", line); split(line, w, " ")
    field = w[2]; sub(/^\*/, "", field); sub(/;$/, "", field)
    dims = substr(line, index(line, "[") + 1); dims = substr(dims, 1, index(dims, "]") - 1)
    gsub(/, /, " * ", dims); if (dims == "") dims = 1
    ids = 0
    if ((k = index(line, "ids in [0, ")) > 0) { ids = substr(line, k + 11); ids = substr(ids, 1, index(ids, ")") - 1) }
    fields = fields sprintf(" F(%s, %s, %s, %s)", field, w[1], dims, ids); next
  }
  /^\} / {
    kind = $2; sub(/;$/, "", kind); sub("^" model "_", "", kind)
    if (kind == "batch") print "#define BATCH_FIELDS(F)" fields
    if (kind == "outputs") print "#define OUTPUT_FIELDS(F)" fields
    if (kind == "step_input") print "#define STEP_INPUT_FIELDS(F)" fields
    if (kind == "step_outputs") print "#define STEP_OUTPUT_FIELDS(F)" fields
  }' "$header"
