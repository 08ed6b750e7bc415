# cmake -P script: writes OUTPUT, a C++ source defining the migrations in MIGRATIONS_DIR
# (files named NNNN_name.sql) so that the binary knows exactly which schema it expects.
file(GLOB files "${MIGRATIONS_DIR}/*.sql")
list(SORT files)
set(body "")
foreach(f ${files})
  get_filename_component(base ${f} NAME_WE)
  if(NOT base MATCHES "^([0-9]+)_([a-z0-9_]+)$")
    message(FATAL_ERROR "migration file name must be NNNN_name.sql: ${f}")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  set(name ${CMAKE_MATCH_2})
  file(READ ${f} sql)
  string(APPEND body "    {${version}, \"${name}\", R\"encuentro_sql(${sql})encuentro_sql\"},\n")
endforeach()
file(WRITE ${OUTPUT}.tmp "// Generated from migrations/*.sql by cmake/EmbedMigrations.cmake. Do not edit.
#include \"storage/migrations.h\"

namespace encuentro::storage {

const std::vector<MigrationSource>& BundledMigrations() {
  static const std::vector<MigrationSource> kMigrations = {
${body}  };
  return kMigrations;
}

}  // namespace encuentro::storage
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
