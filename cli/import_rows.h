// The bulk importer's CSV rows read into API messages, column by column (README "Bulk import").
// No I/O: what the importer sends is decided here, and a row that does not parse is rejected
// before anything is sent.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/csv.h"
#include "encuentro/v1/dental.pb.h"
#include "encuentro/v1/dna.pb.h"
#include "encuentro/v1/effects.pb.h"
#include "encuentro/v1/marks.pb.h"
#include "encuentro/v1/missing_persons.pb.h"
#include "encuentro/v1/photos.pb.h"
#include "encuentro/v1/remains.pb.h"

namespace encuentro::cli {

// A column could not be read as its type: "column: why". Thrown by the functions below.
struct ParseError {
  std::string message;
};

v1::MissingPerson MissingPersonFromRow(const CsvRow& row);
v1::UnidentifiedRemains RemainsFromRow(const CsvRow& row);
// The `marks`, `effects` and `dna_samples` columns; empty when the column is.
std::vector<v1::DistinguishingMark> MarksFromRow(const CsvRow& row);
std::vector<v1::PersonalEffect> EffectsFromRow(const CsvRow& row);
// `reference`: the row is a missing person's, whose samples are family references.
std::vector<v1::DnaSample> DnaSamplesFromRow(const CsvRow& row, bool reference);
// The `dental` column with `dental_source` and `dental_source_date`; nullopt without a chart.
std::optional<v1::UpdateDentalChartRequest> DentalFromRow(const CsvRow& row);

// A YYYY-MM-DD (or YYYY-MM, YYYY) date of `column`.
google::type::Date ParseDateOrThrow(const std::string& column, const std::string& text);
// Reads the FACE of a `file.jpg#FACE` photos entry: a face index, or a box "x,y,w,h" in pixels.
void SetFaceSelection(const std::string& entry, const std::string& face,
                      v1::AddPhotoRequest::Metadata* metadata);

}  // namespace encuentro::cli
