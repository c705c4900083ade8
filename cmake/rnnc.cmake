# rnnc.cmake - compiling a spec into a static library, in the manner of
# protobuf_generate: the C is generated at build time, so the library follows
# the spec, the weights and rnnc itself.  The same file serves two users: an
# installed rnnc's package (find_package(rnnc), rnncConfig.cmake includes it)
# and rnnc's own tree (include(cmake/rnnc.cmake): examples/embed).
#
#   rnnc_add_model(TARGET SPEC [DTYPE f32|f64] [EMBED_WEIGHTS FILE]
#                  [BATCH N] [STEPS N] [ENTRY NAME...] [TILES portable|wide|PROFILE] [NAME NAME])
#
#   TARGET         the static library to create; link it to use the model
#                  (its include directory, holding NAME.h, is PUBLIC; it links libm)
#   SPEC           the model's .lua file, called anything
#   DTYPE          f32 or f64: overrides the spec's model{dtype}
#   EMBED_WEIGHTS  a safetensors file of parameters compiled in as the const
#                  array NAME_weights (`rnnc build --embed-weights`); it may be
#                  the OUTPUT of a custom command in the same directory
#                  (relative paths, here and for SPEC, are from the current source dir)
#   BATCH, STEPS   override the spec's model{batch, steps} (`rnnc build --batch
#                  --steps`): NAME_BATCH, NAME_STEPS and the arena sizes follow
#   ENTRY          the entry points to emit (`rnnc build --entry`): predict, grad,
#                  train_step, apply, step, init, store, load; default all.
#                  ENTRY step gives an inference-only library: parameters
#                  without optimizer state, no initialisers, no tool API
#   TILES          `rnnc build --tiles`: wide for a target with AVX-512 (batched
#                  products in tiles of 16 accumulator vectors); default portable;
#                  or a tile profile's path (`rnnc bench --tune -o PROFILE` on the
#                  target machine): its tiles per product shape
#   NAME           only for a project that builds rnnc itself (below)
#
# NAME is the spec's model{name}: it names NAME.h, NAME.c and every symbol,
# whatever the spec's file is called.  The function reads it at configure time
# from `rnnc summary SPEC --json`, and configuring reruns when SPEC or a .lua
# file next to it changes, so a renamed model renames the files.  That needs
# an rnnc that runs at configure time: the installed one (rnnc::rnnc, from
# find_package(rnnc)) or, without the package, one found on the PATH (or given
# as RNNC_EXECUTABLE).  A project that builds the rnnc target itself (rnnc's
# own tree) has no rnnc before it builds, so there NAME must be given; with an
# rnnc that runs, NAME may be left out and, if given, must match.
#
# The command runs `rnnc build SPEC -o DIR` with DIR = <current binary dir>/TARGET.
# It reruns when SPEC, the weights, rnnc, or any .lua file next to SPEC (which
# SPEC may `require`) changes.  The generated file is compiled as C99.
#
#   find_package(rnnc REQUIRED)
#   rnnc_add_model(sine_model specs/sine_rnn.lua BATCH 1
#                  EMBED_WEIGHTS ${CMAKE_CURRENT_BINARY_DIR}/sine_rnn.safetensors)
#   target_link_libraries(app PRIVATE sine_model)   # then #include "sine_rnn.h"

function(rnnc_add_model TARGET SPEC)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "DTYPE;EMBED_WEIGHTS;BATCH;STEPS;NAME;TILES" "ENTRY")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "rnnc_add_model(${TARGET}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()

  get_filename_component(spec ${SPEC} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  get_filename_component(spec_dir ${spec} DIRECTORY)
  file(GLOB siblings ${spec_dir}/*.lua)
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/${TARGET})

  # What shapes the code: the same options for `summary` and `build`.
  set(options)
  if(arg_DTYPE)
    if(NOT arg_DTYPE MATCHES "^f(32|64)$")
      message(FATAL_ERROR "rnnc_add_model(${TARGET}): DTYPE is f32 or f64, not ${arg_DTYPE}")
    endif()
    list(APPEND options --dtype ${arg_DTYPE})
  endif()
  foreach(size BATCH STEPS)
    if(DEFINED arg_${size})
      if(NOT arg_${size} MATCHES "^[1-9][0-9]*$")
        message(FATAL_ERROR "rnnc_add_model(${TARGET}): ${size} is a positive integer, not '${arg_${size}}'")
      endif()
      string(TOLOWER ${size} option)
      list(APPEND options --${option} ${arg_${size}})
    endif()
  endforeach()

  # rnnc: the installed package's, this project's own target, or one on the PATH;
  # `exe` is set when it can run now, at configure time.
  set(exe)
  if(TARGET rnnc::rnnc)
    set(rnnc rnnc::rnnc)
    get_target_property(exe rnnc::rnnc LOCATION)
  elseif(TARGET rnnc)
    set(rnnc rnnc)
  else()
    find_program(RNNC_EXECUTABLE rnnc REQUIRED)
    set(rnnc ${RNNC_EXECUTABLE})
    set(exe ${RNNC_EXECUTABLE})
  endif()

  if(exe)
    execute_process(COMMAND ${exe} summary ${spec} --json ${options}
                    OUTPUT_VARIABLE json ERROR_VARIABLE err RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "rnnc_add_model(${TARGET}): `rnnc summary ${spec}` failed:\n${err}")
    endif()
    string(JSON name GET "${json}" name)
    if(arg_NAME AND NOT arg_NAME STREQUAL name)
      message(FATAL_ERROR "rnnc_add_model(${TARGET}): NAME ${arg_NAME}, but ${SPEC} says model{name = \"${name}\"}")
    endif()
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${spec} ${siblings})
  elseif(arg_NAME)
    set(name ${arg_NAME})
  else()
    message(FATAL_ERROR "rnnc_add_model(${TARGET}): NAME (the spec's model{name}) is needed when the "
                        "project builds rnnc itself: no rnnc can run at configure time to read it")
  endif()

  set(weights)
  if(arg_EMBED_WEIGHTS)
    get_filename_component(weights ${arg_EMBED_WEIGHTS} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND options --embed-weights ${weights})
  endif()
  if(arg_ENTRY) # what is emitted, not what shapes it: for build only
    list(JOIN arg_ENTRY "," entries)
    list(APPEND options --entry ${entries})
  endif()
  set(profile)
  if(arg_TILES MATCHES "^(portable|wide)$") # likewise
    list(APPEND options --tiles ${arg_TILES})
  elseif(arg_TILES) # a tile profile, a file the C follows
    get_filename_component(profile ${arg_TILES} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND options --tiles ${profile})
  endif()
  add_custom_command(
    OUTPUT ${dir}/${name}.h ${dir}/${name}.c
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND ${rnnc} build ${spec} -o ${dir} ${options}
    DEPENDS ${spec} ${siblings} ${rnnc} ${weights} ${profile}
    COMMENT "rnnc: generating ${name}.c from ${SPEC}"
    VERBATIM)

  add_library(${TARGET} STATIC ${dir}/${name}.c ${dir}/${name}.h)
  set_target_properties(${TARGET} PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  target_include_directories(${TARGET} PUBLIC ${dir})
  target_link_libraries(${TARGET} PUBLIC m)
endfunction()
