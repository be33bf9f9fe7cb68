# strata_add_plugin(NAME SOURCES...)
# A dialect plugin is a MODULE library loaded with dlopen. It exports exactly
# one symbol (the ABI entry point): a version script hides the rest, including
# the std:: template instantiations -fvisibility=hidden cannot hide.
# --no-undefined turns a missing client library into a link error instead of
# a load-time failure on a user's machine.
function(strata_add_plugin name)
  cmake_parse_arguments(P "" "EXPORTS;OUTPUT_NAME" "SOURCES;LIBS" ${ARGN})
  if(NOT P_EXPORTS)
    set(P_EXPORTS ${PROJECT_SOURCE_DIR}/plugins/exports.map)
  endif()
  add_library(${name} MODULE ${P_SOURCES})
  target_link_libraries(${name} PRIVATE strata_dialect_abi strata_plugin_support ${P_LIBS})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${P_OUTPUT_NAME}
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS ${P_EXPORTS})
  target_link_options(${name} PRIVATE
    "LINKER:--version-script=${P_EXPORTS}"
    $<$<NOT:$<BOOL:${STRATA_SANITIZE}>>:LINKER:--no-undefined>)
endfunction()
