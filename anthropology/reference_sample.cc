#include "anthropology/reference_sample.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "anthropology/csv.h"

namespace encuentro::anthropology {
namespace {

constexpr int kMaxReportedErrors = 20;
constexpr std::string_view kLeadingColumns[] = {"id", "sex", "popnum", "population"};

}  // namespace

absl::StatusOr<ReferenceSample> ReferenceSample::ParseHowellsCsv(std::string_view csv) {
  absl::StatusOr<std::vector<internal::CsvRecord>> records = internal::ReadCsvRecords(csv);
  if (!records.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("reference sample: ", records.status().message()));
  }
  const std::vector<internal::CsvRecord>& lines = *records;
  if (lines.empty()) return absl::InvalidArgumentError("reference sample: the CSV is empty");
  const std::vector<std::string>& header = lines.front().fields;
  const size_t leading = std::size(kLeadingColumns);
  bool header_ok = header.size() > leading;
  for (size_t i = 0; header_ok && i < leading; ++i) {
    header_ok = internal::AsciiLower(header[i]) == kLeadingColumns[i];
  }
  if (!header_ok) {
    return absl::InvalidArgumentError(
        fmt::format("reference sample: line {}: the header must be ID,Sex,PopNum,Population "
                    "followed by measurement codes",
                    lines.front().number));
  }
  ReferenceSample sample;
  std::set<std::string> seen;
  for (size_t i = leading; i < header.size(); ++i) {
    if (header[i].empty() || !seen.insert(header[i]).second) {
      return absl::InvalidArgumentError(
          fmt::format("reference sample: line {}: column {} is empty or repeats a code",
                      lines.front().number, i + 1));
    }
    sample.variables_.push_back(header[i]);
  }

  std::vector<std::string> errors;
  int error_count = 0;
  auto error = [&](int line, std::string message) {
    if (++error_count <= kMaxReportedErrors) {
      errors.push_back(fmt::format("line {}: {}", line, message));
    }
  };
  for (size_t l = 1; l < lines.size(); ++l) {
    const internal::CsvRecord& line = lines[l];
    const std::vector<std::string>& fields = line.fields;
    if (fields.size() != header.size()) {
      error(line.number, fmt::format("{} fields, the header has {}", fields.size(), header.size()));
      continue;
    }
    ReferenceIndividual individual;
    individual.id = fields[0];
    const std::string sex = internal::AsciiLower(fields[1]);
    if (sex == "m") {
      individual.sex = Sex::kMale;
    } else if (sex == "f") {
      individual.sex = Sex::kFemale;
    } else {
      error(line.number, fmt::format("sex '{}' is not M or F", fields[1]));
      continue;
    }
    individual.population = fields[3];
    if (individual.population.empty()) {
      error(line.number, "the population is empty");
      continue;
    }
    bool row_ok = true;
    for (size_t i = leading; i < fields.size(); ++i) {
      if (fields[i].empty()) {
        individual.values.push_back(std::numeric_limits<double>::quiet_NaN());
        continue;
      }
      const std::optional<double> value = internal::ParseNumber(fields[i]);
      if (!value || *value < 0.0) {
        error(line.number,
              fmt::format("{} = '{}' is not a non-negative number", header[i], fields[i]));
        row_ok = false;
        continue;
      }
      // The Howells files write 0 for "not measured".
      individual.values.push_back(*value == 0.0 ? std::numeric_limits<double>::quiet_NaN()
                                                : *value);
    }
    if (row_ok) sample.individuals_.push_back(std::move(individual));
  }
  if (error_count > 0) {
    std::string message = "reference sample: ";
    for (size_t i = 0; i < errors.size(); ++i) message += (i > 0 ? "; " : "") + errors[i];
    if (error_count > kMaxReportedErrors) {
      message += fmt::format("; and {} more", error_count - kMaxReportedErrors);
    }
    return absl::InvalidArgumentError(message);
  }
  if (sample.individuals_.empty()) {
    return absl::InvalidArgumentError("reference sample: the CSV has no data rows");
  }
  return sample;
}

absl::StatusOr<ReferenceSample> ReferenceSample::LoadHowellsCsv(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(fmt::format("cannot open reference sample {}", path));
  std::ostringstream text;
  text << file.rdbuf();
  return ParseHowellsCsv(text.str());
}

std::optional<size_t> ReferenceSample::VariableIndex(std::string_view code) const {
  for (size_t i = 0; i < variables_.size(); ++i) {
    if (variables_[i] == code) return i;
  }
  return std::nullopt;
}

std::vector<std::string> ReferenceSample::Populations() const {
  std::vector<std::string> populations;
  std::set<std::string> seen;
  for (const ReferenceIndividual& individual : individuals_) {
    if (seen.insert(individual.population).second) populations.push_back(individual.population);
  }
  return populations;
}

}  // namespace encuentro::anthropology
