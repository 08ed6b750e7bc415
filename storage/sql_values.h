// Conversions between record values and SQL parameters/fields, private to storage.
#pragma once

#include <array>
#include <cstring>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "records/model.h"

namespace encuentro::storage {

// Positional parameters that may be NULL, for pqxx 6's exec_params (which has no std::optional).
class SqlParams {
 public:
  SqlParams& Add(const std::string& value);
  SqlParams& Add(const char* value) { return Add(std::string(value)); }
  SqlParams& Add(int64_t value) { return Add(std::to_string(value)); }
  SqlParams& Add(int value) { return Add(std::to_string(value)); }
  SqlParams& Add(double value);
  SqlParams& Add(bool value) { return Add(std::string(value ? "true" : "false")); }
  SqlParams& Add(const records::Date& date);
  SqlParams& Add(const records::Timestamp& time);
  SqlParams& AddNull();
  template <typename T>
  SqlParams& Add(const std::optional<T>& value) {
    return value ? Add(*value) : AddNull();
  }

  // Runs `sql` with these parameters in `tx`.
  pqxx::result Exec(pqxx::transaction_base& tx, const std::string& sql) const;

 private:
  std::vector<std::optional<std::string>> values_;
};

// A bigint[] literal ("{1,2,3}") for `= ANY($n::bigint[])`.
std::string IdArray(const std::vector<int64_t>& ids);

// A bytea of N float32 (a face descriptor or embedding) copied into `out`; false, leaving `out`
// untouched, when the field is null or not N floats long.
template <size_t N>
bool FloatsField(const pqxx::field& field, std::array<float, N>& out) {
  if (field.is_null()) return false;
  const pqxx::binarystring bytes(field);
  if (bytes.size() != sizeof out) return false;
  std::memcpy(out.data(), bytes.data(), sizeof out);
  return true;
}

std::optional<records::Date> DateField(const pqxx::field& field);
std::optional<double> DoubleField(const pqxx::field& field);
std::string TextField(const pqxx::field& field);
// Fields selected as `extract(epoch from col) * 1e6`, i.e. microseconds.
records::Timestamp MicrosField(const pqxx::field& field);
std::optional<records::Timestamp> OptionalMicrosField(const pqxx::field& field);

// The *_precision columns (migration 0013).
const char* PrecisionToSql(records::DatePrecision precision);
records::DatePrecision PrecisionFromSql(const std::string& text);

const char* SexToSql(records::Sex sex);
records::Sex SexFromSql(const std::string& text);
// The remains.sex_method_kind values (migration 0008).
const char* SexMethodToSql(records::SexMethod method);
records::SexMethod SexMethodFromSql(const std::string& text);

}  // namespace encuentro::storage
