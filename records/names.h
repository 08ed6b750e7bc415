// Resource names of case records ("missingPersons/12", "remains/7/photos/3",
// "remains/7/marks/2"): formatting and
// parsing, in one place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "records/model.h"

namespace encuentro::records {

std::string MissingPersonName(int64_t id);
std::string RemainsName(int64_t id);
std::string RecordName(RecordKind kind, int64_t id);
std::string PhotoName(RecordKind kind, int64_t record_id, int64_t photo_id);

// A parsed "missingPersons/{id}" or "remains/{id}".
struct RecordRef {
  RecordKind kind;
  int64_t id;
};
std::optional<RecordRef> ParseRecordName(const std::string& name);
// Parses only names of the given kind.
std::optional<int64_t> ParseRecordId(const std::string& name, RecordKind kind);

struct PhotoRef {
  RecordRef parent;
  int64_t photo_id;
};
std::optional<PhotoRef> ParsePhotoName(const std::string& name);

std::string MarkName(RecordKind kind, int64_t record_id, int64_t mark_id);
// A part of a record with its own id: a mark, a DNA sample.
struct PartRef {
  RecordRef parent;
  int64_t id;
};
std::optional<PartRef> ParseMarkName(const std::string& name);

std::string EffectName(RecordKind kind, int64_t record_id, int64_t effect_id);
std::optional<PartRef> ParseEffectName(const std::string& name);

std::string DnaSampleName(RecordKind kind, int64_t record_id, int64_t sample_id);
// A parsed "{record}/dnaSamples/{id}": the record and the sample id.
std::optional<PartRef> ParseDnaSampleName(const std::string& name);

// A record's dental chart, a singleton: "remains/7/dentalChart".
std::string DentalChartName(RecordKind kind, int64_t record_id);
std::optional<RecordRef> ParseDentalChartName(const std::string& name);

// Etags are opaque to clients: a quoted revision number.
std::string Etag(int64_t revision);
// nullopt for an etag this server never issued.
std::optional<int64_t> ParseEtag(const std::string& etag);

}  // namespace encuentro::records
