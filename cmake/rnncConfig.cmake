# rnncConfig.cmake - what find_package(rnnc) gives a project using an installed
# rnnc: the imported program rnnc::rnnc (rnncTargets.cmake, written by
# `cmake --install`) and rnnc_add_model (rnnc.cmake, installed beside this file).
# Nothing else is needed: the compiler carries its Lua library, and generated
# code carries the runtime it needs.
if(CMAKE_VERSION VERSION_LESS 3.20)
  message(FATAL_ERROR "rnnc's CMake package needs CMake 3.20 or newer")
endif()
include(${CMAKE_CURRENT_LIST_DIR}/rnncTargets.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/rnnc.cmake)
