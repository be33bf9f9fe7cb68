# Install layout beyond the binary and the plugins, and the Debian packages.
#
#   cmake -S . -B build-deb -DCMAKE_INSTALL_PREFIX=/usr -DSTRATA_BUILD_TESTS=OFF
#   cmake --build build-deb && (cd build-deb && cpack -G DEB)
#
# gives three packages (scripts/package-test.sh builds, checks and installs them):
#   strata             bin/strata, the SQLite dialect, man page, completions, docs, examples
#   strata-postgresql  the PostgreSQL dialect (libpqxx)
#   strata-mysql       the MySQL/MariaDB dialect (Connector/C++)
# so a SQLite-only user pulls neither libpqxx nor Connector/C++. Depends: is
# computed by dpkg-shlibdeps from the files' NEEDED entries.
include_guard(GLOBAL)
include(GNUInstallDirs)

set(STRATA_PACKAGE_MAINTAINER "Strata maintainers <maintainers@example.org>"
    CACHE STRING "Maintainer: field of the .deb packages")
set(STRATA_PACKAGE_RELEASE 1 CACHE STRING "Debian revision of the .deb packages")
set(STRATA_DEB_VERSION "${PROJECT_VERSION}-${STRATA_PACKAGE_RELEASE}")
set(STRATA_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/strata)

# -- files of the strata package ------------------------------------------
install(FILES ${PROJECT_SOURCE_DIR}/completion/strata.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME strata COMPONENT strata)
install(FILES ${PROJECT_SOURCE_DIR}/completion/_strata
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions COMPONENT strata)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${STRATA_DOCDIR} COMPONENT strata)
# The README's example project (upgrade it with: cp -r .../examples/project ~/x && cd ~/x && strata upgrade head).
install(FILES ${PROJECT_SOURCE_DIR}/alembic.toml DESTINATION ${STRATA_DOCDIR}/examples/project COMPONENT strata)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/migrations DESTINATION ${STRATA_DOCDIR}/examples/project COMPONENT strata
        PATTERN ".strata_cache" EXCLUDE)
install(DIRECTORY DESTINATION ${STRATA_DOCDIR}/examples/project/var COMPONENT strata)
# Running a fleet with the schedulers teams have: Kubernetes and CI jobs.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${STRATA_DOCDIR}/examples COMPONENT strata)

# -- Debian's copyright and changelog.Debian.gz, one per package ----------
foreach(component strata postgresql mysql)
  if(component STREQUAL "strata")
    set(package strata)
  else()
    set(package strata-${component})
  endif()
  set(dir ${CMAKE_BINARY_DIR}/packaging/${package})
  file(READ ${PROJECT_SOURCE_DIR}/packaging/copyright.in text)
  file(WRITE ${dir}/copyright "${text}")
  file(READ ${PROJECT_SOURCE_DIR}/packaging/changelog.Debian.in text)
  string(REPLACE "@PACKAGE@" "${package}" text "${text}")
  string(REPLACE "@DEB_VERSION@" "${STRATA_DEB_VERSION}" text "${text}")
  string(REPLACE "@MAINTAINER@" "${STRATA_PACKAGE_MAINTAINER}" text "${text}")
  file(WRITE ${dir}/changelog.Debian "${text}")
  # gzip -9n: no name or time stamp, so the package is reproducible.
  execute_process(COMMAND gzip -9nc ${dir}/changelog.Debian OUTPUT_FILE ${dir}/changelog.Debian.gz)
  install(FILES ${dir}/copyright ${dir}/changelog.Debian.gz
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
endforeach()

# -- CPack: three .deb packages ------------------------------------------
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "Packaging: CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}; "
                 ".deb packages should be built with -DCMAKE_INSTALL_PREFIX=/usr (scripts/package-test.sh does)")
endif()
set(CPACK_PACKAGE_NAME strata)
set(CPACK_PACKAGE_VENDOR "The Strata authors")
set(CPACK_PACKAGE_CONTACT "${STRATA_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "schema migrations for several databases at once")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL strata postgresql mysql)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${STRATA_PACKAGE_RELEASE})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${STRATA_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Plugins live in a private folder: tell dpkg-shlibdeps where (none of them
# needs another, but it must not guess).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_INSTALL_FULL_LIBDIR}/strata)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)

set(CPACK_DEBIAN_STRATA_PACKAGE_NAME strata)
set(CPACK_DEBIAN_STRATA_PACKAGE_RECOMMENDS "bash-completion")
set(CPACK_DEBIAN_STRATA_PACKAGE_SUGGESTS "strata-postgresql, strata-mysql, python3-alembic, python3-psycopg2, python3-pymysql")
set(CPACK_COMPONENT_STRATA_DESCRIPTION
"schema migrations for several databases at once (Alembic's workflow)
Strata keeps Alembic's workflow - revision, upgrade head, downgrade -1,
branches and merges, the alembic_version table - and runs it against several
databases at once, each with its own revision chain, upgraded in parallel by
one command. Revisions are plain SQL files; fleets of databases are fanned out
to and sharded across machines (--env, --shard).
.
This package contains the strata command, its SQLite dialect, the manual
page, bash and zsh completion, an example project and the Python bridge that
`strata import alembic` runs (with python3-alembic). PostgreSQL and
MySQL/MariaDB support are in strata-postgresql and strata-mysql.")

set(CPACK_DEBIAN_POSTGRESQL_PACKAGE_NAME strata-postgresql)
set(CPACK_DEBIAN_POSTGRESQL_PACKAGE_DEPENDS "strata (= ${STRATA_DEB_VERSION})")
set(CPACK_COMPONENT_POSTGRESQL_DESCRIPTION
"PostgreSQL dialect for Strata schema migrations
Strata runs Alembic-style revision chains against several databases at once.
.
This package contains its PostgreSQL dialect plugin (libpqxx and libpq):
pg_advisory_lock run locks, transactional DDL, offline scripts for psql.")

set(CPACK_DEBIAN_MYSQL_PACKAGE_NAME strata-mysql)
set(CPACK_DEBIAN_MYSQL_PACKAGE_DEPENDS "strata (= ${STRATA_DEB_VERSION})")
set(CPACK_COMPONENT_MYSQL_DESCRIPTION
"MySQL and MariaDB dialect for Strata schema migrations
Strata runs Alembic-style revision chains against several databases at once.
.
This package contains its MySQL/MariaDB dialect plugin (MySQL Connector/C++):
GET_LOCK run locks, statement-level progress records for DDL that commits
implicitly, offline scripts for the mariadb and mysql clients.")

include(CPack)
