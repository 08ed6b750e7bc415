// A record written as proto3 JSON (`encuentro missing create --file`, `remains create --file`)
// through the CLI's JSON reader and on into the server's translation and validation.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/output.h"
#include "encuentro/v1/missing_persons.pb.h"
#include "encuentro/v1/remains.pb.h"
#include "records/validation.h"
#include "services/record_conversion.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace encuentro;
  const std::string json(reinterpret_cast<const char*>(data), size);
  const records::Date today{std::chrono::year(2026), std::chrono::month(11), std::chrono::day(30)};
  v1::MissingPerson person;
  if (cli::ParseJsonMessage(json, "fuzz", &person).ok()) {
    std::vector<FieldViolation> bad;
    records::MissingPerson record = services::FromProto(person, &bad);
    if (bad.empty()) (void)records::ValidateMissingPerson(record, today);
  }
  v1::UnidentifiedRemains remains;
  if (cli::ParseJsonMessage(json, "fuzz", &remains).ok()) {
    std::vector<FieldViolation> bad;
    records::UnidentifiedRemains record = services::FromProto(remains, &bad);
    if (bad.empty()) (void)records::ValidateRemains(record, today);
  }
  return 0;
}
