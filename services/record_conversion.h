// Translation between encuentro.v1 messages and the records module's values. Values the domain
// cannot represent (unknown enum numbers) become field violations, never silent defaults.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/field_violations.h"
#include "encuentro/v1/dental.pb.h"
#include "encuentro/v1/dna.pb.h"
#include "encuentro/v1/effects.pb.h"
#include "encuentro/v1/identification.pb.h"
#include "encuentro/v1/marks.pb.h"
#include "encuentro/v1/missing_persons.pb.h"
#include "encuentro/v1/remains.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/type/date.pb.h"
#include "records/model.h"

namespace encuentro::services {

records::MissingPerson FromProto(const v1::MissingPerson& in, std::vector<FieldViolation>* bad);
v1::MissingPerson ToProto(const records::MissingPerson& in);

records::UnidentifiedRemains FromProto(const v1::UnidentifiedRemains& in,
                                       std::vector<FieldViolation>* bad);
v1::UnidentifiedRemains ToProto(const records::UnidentifiedRemains& in);

// The mark's values; its owner and bookkeeping are the caller's to set.
records::DistinguishingMark FromProto(const v1::DistinguishingMark& in,
                                      std::vector<FieldViolation>* bad);
v1::DistinguishingMark ToProto(const records::DistinguishingMark& in);

v1::Identification ToProto(const records::Identification& in);

// The effect's values; its owner and bookkeeping are the caller's to set.
records::PersonalEffect FromProto(const v1::PersonalEffect& in, std::vector<FieldViolation>* bad);
v1::PersonalEffect ToProto(const records::PersonalEffect& in);

// The sample's values; its owner and bookkeeping are the caller's to set.
records::DnaSample FromProto(const v1::DnaSample& in, std::vector<FieldViolation>* bad);
v1::DnaSample ToProto(const records::DnaSample& in);

// The chart's values; its bookkeeping is the caller's to set. `name` is the chart's resource name.
records::DentalChart FromProto(const v1::DentalChart& in, std::vector<FieldViolation>* bad);
v1::DentalChart ToProto(const records::DentalChart& in, const std::string& name);

// A proto enum value as the domain's enum of the same numbering (0..`last`); other numbers are
// violations at `field`.
template <typename Enum, typename ProtoEnum>
std::optional<Enum> EnumFromProto(ProtoEnum value, Enum last, const std::string& field,
                                  std::vector<FieldViolation>* bad) {
  const int number = static_cast<int>(value);
  if (number < 0 || number > static_cast<int>(last)) {
    bad->push_back({field, "unknown value " + std::to_string(number)});
    return std::nullopt;
  }
  return static_cast<Enum>(number);
}

// A google.type.Date as a records::Date; only for a date DateProblem found nothing wrong with.
records::Date FromProto(const google::type::Date& date);
// What is wrong with a date from a request, if anything: impossible (month 13, February 30, a
// year outside 1-9999, which std::chrono::year would silently wrap, 67534 into 1998) or, unless
// `may_be_future`, after today (UTC).
std::optional<std::string> DateProblem(const google::type::Date& date, bool may_be_future);
// An optional date from a request: unset when absent, a violation at `field` when impossible.
// Future dates pass: records' validation and filters judge those themselves.
std::optional<records::Date> OptionalDateFromProto(bool present, const google::type::Date& date,
                                                   const std::string& field,
                                                   std::vector<FieldViolation>* bad);
// As OptionalDateFromProto, for the dates that may be partial (birth, last sighting, finding,
// capture): month and day 0 give the year, day 0 the month. Returns the first day, and its
// precision in `*precision`.
std::optional<records::Date> OptionalPartialDateFromProto(bool present,
                                                          const google::type::Date& date,
                                                          const std::string& field,
                                                          std::vector<FieldViolation>* bad,
                                                          records::DatePrecision* precision);
google::type::Date ToProto(const records::Date& date);
// A partial date as google.type.Date spells it: month and day 0 for a year, day 0 for a month.
google::type::Date ToProto(const records::Date& date, records::DatePrecision precision);
google::protobuf::Timestamp ToProto(const records::Timestamp& time);

// Sex: UNSPECIFIED is "unknown"; other unknown numbers are violations at `field`.
std::optional<records::Sex> SexFromProto(v1::Sex sex, const std::string& field,
                                         std::vector<FieldViolation>* bad);
v1::Sex SexToProto(records::Sex sex);
std::optional<records::MissingPersonStatus> StatusFromProto(v1::MissingPerson::Status status,
                                                            const std::string& field,
                                                            std::vector<FieldViolation>* bad);

}  // namespace encuentro::services
