// A request as it arrives on the wire, through the raw parser the services use for free text
// (which names the field holding invalid UTF-8) and on into the translation and validation of a
// record: what every create and update of a case record runs before anything is stored.
#include <grpcpp/support/byte_buffer.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "encuentro/v1/missing_persons.pb.h"
#include "encuentro/v1/remains.pb.h"
#include "records/validation.h"
#include "services/record_conversion.h"
#include "services/request_parsing.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace encuentro;
  const grpc::Slice slice(data, size);
  const grpc::ByteBuffer buffer(&slice, 1);
  const records::Date today{std::chrono::year(2026), std::chrono::month(11), std::chrono::day(30)};
  // Both parsers see every input: the two messages share their first field's wire type.
  v1::CreateMissingPersonRequest person_request;
  if (services::ParseRequest(buffer, &person_request).ok()) {
    std::vector<FieldViolation> bad;
    records::MissingPerson person = services::FromProto(person_request.missing_person(), &bad);
    if (bad.empty()) (void)records::ValidateMissingPerson(person, today);
  }
  v1::CreateRemainsRequest remains_request;
  if (services::ParseRequest(buffer, &remains_request).ok()) {
    std::vector<FieldViolation> bad;
    records::UnidentifiedRemains remains = services::FromProto(remains_request.remains(), &bad);
    if (bad.empty()) (void)records::ValidateRemains(remains, today);
  }
  return 0;
}
