# rnnc.cmake - compiling a spec into a static library, in the manner of
# protobuf_generate: the C is generated at build time, so the library follows
# the spec, the weights and rnnc itself.
#
#   rnnc_add_model(TARGET SPEC [DTYPE f32|f64] [EMBED_WEIGHTS FILE] [NAME NAME])
#
#   TARGET         the static library to create; link it to use the model
#                  (its include directory, holding NAME.h, is PUBLIC; it links libm)
#   SPEC           the model's .lua file
#   DTYPE          f32 or f64: overrides the spec's model{dtype}
#   EMBED_WEIGHTS  a safetensors file of parameters compiled in as the const
#                  array NAME_weights (`rnnc build --embed-weights`); it may be
#                  the OUTPUT of a custom command in the same directory
#                  (relative paths, here and for SPEC, are from the current source dir)
#   NAME           the spec's model{name}, which names NAME.h / NAME.c and every
#                  symbol; by default the spec's file name without .lua
#
# The command runs `rnnc build SPEC -o DIR` with DIR = <current binary dir>/TARGET.
# It reruns when SPEC, the weights, rnnc, or any .lua file next to SPEC (which
# SPEC may `require`) changes.  The generated file is compiled as C99.  rnnc is
# the target of that name when this project builds it, else an `rnnc` program
# found on the PATH (or given as RNNC_EXECUTABLE).
#
#   rnnc_add_model(sine_model ${CMAKE_SOURCE_DIR}/specs/sine_rnn.lua
#                  EMBED_WEIGHTS ${CMAKE_CURRENT_BINARY_DIR}/sine_rnn.safetensors)
#   target_link_libraries(app PRIVATE sine_model)   # then #include "sine_rnn.h"

function(rnnc_add_model TARGET SPEC)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "DTYPE;EMBED_WEIGHTS;NAME" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "rnnc_add_model(${TARGET}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()

  get_filename_component(spec ${SPEC} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  get_filename_component(spec_dir ${spec} DIRECTORY)
  get_filename_component(name ${spec} NAME_WE)
  if(arg_NAME)
    set(name ${arg_NAME})
  endif()
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/${TARGET})

  if(TARGET rnnc)
    set(rnnc rnnc)
  else()
    find_program(RNNC_EXECUTABLE rnnc REQUIRED)
    set(rnnc ${RNNC_EXECUTABLE})
  endif()

  set(options)
  if(arg_DTYPE)
    if(NOT arg_DTYPE MATCHES "^f(32|64)$")
      message(FATAL_ERROR "rnnc_add_model(${TARGET}): DTYPE is f32 or f64, not ${arg_DTYPE}")
    endif()
    list(APPEND options --dtype ${arg_DTYPE})
  endif()
  set(weights)
  if(arg_EMBED_WEIGHTS)
    get_filename_component(weights ${arg_EMBED_WEIGHTS} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND options --embed-weights ${weights})
  endif()
  file(GLOB siblings ${spec_dir}/*.lua)

  add_custom_command(
    OUTPUT ${dir}/${name}.h ${dir}/${name}.c
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND ${rnnc} build ${spec} -o ${dir} ${options}
    DEPENDS ${spec} ${siblings} ${rnnc} ${weights}
    COMMENT "rnnc: generating ${name}.c from ${SPEC}"
    VERBATIM)

  add_library(${TARGET} STATIC ${dir}/${name}.c ${dir}/${name}.h)
  set_target_properties(${TARGET} PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  target_include_directories(${TARGET} PUBLIC ${dir})
  target_link_libraries(${TARGET} PUBLIC m)
endfunction()
