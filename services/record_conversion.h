// Translation between encuentro.v1 messages and the records module's values. Values the domain
// cannot represent (unknown enum numbers) become field violations, never silent defaults.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/field_violations.h"
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

records::Date FromProto(const google::type::Date& date);
google::type::Date ToProto(const records::Date& date);
google::protobuf::Timestamp ToProto(const records::Timestamp& time);

// Sex: UNSPECIFIED is "unknown"; other unknown numbers are violations at `field`.
std::optional<records::Sex> SexFromProto(v1::Sex sex, const std::string& field,
                                         std::vector<FieldViolation>* bad);
v1::Sex SexToProto(records::Sex sex);
std::optional<records::MissingPersonStatus> StatusFromProto(v1::MissingPerson::Status status,
                                                            const std::string& field,
                                                            std::vector<FieldViolation>* bad);

}  // namespace encuentro::services
