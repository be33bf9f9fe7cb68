cmake_minimum_required(VERSION 3.18)
# cmake -DIN=strata.1.scd.in -DOUT=strata.1 -DVERSION=... -DPLUGINDIR=... -DSCDOC=... -DGROFF=... -DGZIP=...
#       -P build-man.cmake
# "@T " at a line's start is a tab (scdoc indents with tabs only); ';' lines
# are scdoc comments. Any scdoc error or groff warning fails the build.
file(READ ${IN} text)
string(REPLACE "@VERSION@" "${VERSION}" text "${text}")
string(REPLACE "@PLUGINDIR@" "${PLUGINDIR}" text "${text}")
string(REGEX REPLACE "(^|\n)@T @T " "\\1\t\t" text "${text}")
string(REGEX REPLACE "(^|\n)@T " "\\1\t" text "${text}")
if(text MATCHES "@[A-Z]+@")
  message(FATAL_ERROR "${IN}: unreplaced placeholder ${CMAKE_MATCH_0}")
endif()
file(WRITE ${OUT}.scd "${text}")
execute_process(COMMAND ${SCDOC} INPUT_FILE ${OUT}.scd OUTPUT_FILE ${OUT}.tmp
                RESULT_VARIABLE rc ERROR_VARIABLE errors)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "scdoc rejected ${IN} (line numbers count in ${OUT}.scd):\n${errors}")
endif()
execute_process(COMMAND ${GROFF} -ww -z -man ${OUT}.tmp RESULT_VARIABLE rc ERROR_VARIABLE warnings)
if(NOT rc EQUAL 0 OR NOT warnings STREQUAL "")
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "groff -ww warns about the page generated from ${IN}:\n${warnings}")
endif()
file(RENAME ${OUT}.tmp ${OUT})
# Debian policy: man pages are installed gzip -9n compressed.
execute_process(COMMAND ${GZIP} -9nc ${OUT} OUTPUT_FILE ${OUT}.gz RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip ${OUT} failed")
endif()
