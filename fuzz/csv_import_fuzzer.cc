// A spreadsheet a family's organization exported, through the RFC 4180 reader and the importer's
// row parsing (every column it reads, for both kinds of record). Only ParseError may escape a row.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "cli/import_rows.h"
#include "common/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace encuentro;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  CsvReader reader(in);
  auto header = reader.Next();
  if (!header.ok() || !*header) return 0;
  const std::vector<std::string> columns = **header;
  for (int rows = 0; rows < 64; ++rows) {
    auto fields = reader.Next();
    if (!fields.ok() || !*fields) break;
    const CsvRow row(&columns, **fields, reader.line());
    for (bool missing : {true, false}) {
      try {
        if (missing) {
          (void)cli::MissingPersonFromRow(row);
        } else {
          (void)cli::RemainsFromRow(row);
        }
        (void)cli::MarksFromRow(row);
        (void)cli::EffectsFromRow(row);
        (void)cli::DnaSamplesFromRow(row, missing);
        (void)cli::DentalFromRow(row);
      } catch (const cli::ParseError&) {
        // A rejected row: the importer reports it.
      }
    }
  }
  return 0;
}
