#include "storage/sql_values.h"

#include <cstdio>

namespace encuentro::storage {

SqlParams& SqlParams::Add(const std::string& value) {
  values_.emplace_back(value);
  return *this;
}

SqlParams& SqlParams::Add(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return Add(std::string(buffer));
}

SqlParams& SqlParams::Add(const records::Date& date) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return Add(std::string(buffer));
}

SqlParams& SqlParams::Add(const records::Timestamp& time) {
  // to_timestamp takes fractional seconds since the epoch.
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%lld.%06lld", static_cast<long long>(micros / 1000000),
                static_cast<long long>(micros % 1000000));
  return Add(std::string(buffer));
}

SqlParams& SqlParams::AddNull() {
  values_.emplace_back(std::nullopt);
  return *this;
}

pqxx::result SqlParams::Exec(pqxx::transaction_base& tx, const std::string& sql) const {
  std::vector<const char*> pointers;
  pointers.reserve(values_.size());
  for (const auto& v : values_) pointers.push_back(v ? v->c_str() : nullptr);
  return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(pointers));
}

std::optional<records::Date> DateField(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  if (std::sscanf(field.c_str(), "%d-%u-%u", &y, &m, &d) != 3) return std::nullopt;
  return records::Date{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
}

std::optional<double> DoubleField(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return field.as<double>();
}

std::string TextField(const pqxx::field& field) {
  return field.is_null() ? std::string() : field.as<std::string>();
}

records::Timestamp MicrosField(const pqxx::field& field) {
  return records::Timestamp(std::chrono::microseconds(field.as<int64_t>()));
}

std::optional<records::Timestamp> OptionalMicrosField(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return MicrosField(field);
}

const char* SexToSql(records::Sex sex) {
  switch (sex) {
    case records::Sex::kFemale:
      return "female";
    case records::Sex::kMale:
      return "male";
    case records::Sex::kUnknown:
      break;
  }
  return "unknown";
}

records::Sex SexFromSql(const std::string& text) {
  if (text == "female") return records::Sex::kFemale;
  if (text == "male") return records::Sex::kMale;
  return records::Sex::kUnknown;
}

namespace {
constexpr const char* kSexMethods[] = {"unspecified", "skeletal_morphology", "skeletal_metric",
                                       "soft_tissue", "dna"};
}  // namespace

const char* SexMethodToSql(records::SexMethod method) {
  return kSexMethods[static_cast<int>(method)];
}

records::SexMethod SexMethodFromSql(const std::string& text) {
  for (size_t i = 0; i < std::size(kSexMethods); ++i) {
    if (text == kSexMethods[i]) return static_cast<records::SexMethod>(i);
  }
  return records::SexMethod::kUnspecified;
}

std::string IdArray(const std::vector<int64_t>& ids) {
  std::string array = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) array += ',';
    array += std::to_string(ids[i]);
  }
  return array + "}";
}

const char* PrecisionToSql(records::DatePrecision precision) {
  switch (precision) {
    case records::DatePrecision::kMonth:
      return "month";
    case records::DatePrecision::kYear:
      return "year";
    case records::DatePrecision::kDay:
      break;
  }
  return "day";
}

records::DatePrecision PrecisionFromSql(const std::string& text) {
  if (text == "month") return records::DatePrecision::kMonth;
  if (text == "year") return records::DatePrecision::kYear;
  return records::DatePrecision::kDay;
}

}  // namespace encuentro::storage
