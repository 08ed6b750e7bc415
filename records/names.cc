#include "records/names.h"

#include <charconv>

namespace encuentro::records {
namespace {

constexpr char kMissingPersons[] = "missingPersons/";
constexpr char kRemains[] = "remains/";
constexpr char kPhotos[] = "/photos/";
constexpr char kMarks[] = "/marks/";

// Parses a positive decimal id filling all of `text`.
std::optional<int64_t> ParseId(std::string_view text) {
  int64_t id = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

}  // namespace

std::string MissingPersonName(int64_t id) { return kMissingPersons + std::to_string(id); }
std::string RemainsName(int64_t id) { return kRemains + std::to_string(id); }

std::string RecordName(RecordKind kind, int64_t id) {
  return kind == RecordKind::kMissingPerson ? MissingPersonName(id) : RemainsName(id);
}

std::string PhotoName(RecordKind kind, int64_t record_id, int64_t photo_id) {
  return RecordName(kind, record_id) + kPhotos + std::to_string(photo_id);
}

std::optional<RecordRef> ParseRecordName(const std::string& name) {
  std::string_view view = name;
  for (auto [prefix, kind] :
       {std::pair{std::string_view(kMissingPersons), RecordKind::kMissingPerson},
        std::pair{std::string_view(kRemains), RecordKind::kRemains}}) {
    if (view.starts_with(prefix)) {
      if (std::optional<int64_t> id = ParseId(view.substr(prefix.size()))) {
        return RecordRef{kind, *id};
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<int64_t> ParseRecordId(const std::string& name, RecordKind kind) {
  std::optional<RecordRef> ref = ParseRecordName(name);
  if (!ref || ref->kind != kind) return std::nullopt;
  return ref->id;
}

namespace {

// Parses "{record}{separator}{id}".
std::optional<std::pair<RecordRef, int64_t>> ParseChildName(const std::string& name,
                                                            std::string_view separator) {
  const size_t at = name.find(separator);
  if (at == std::string::npos) return std::nullopt;
  std::optional<RecordRef> parent = ParseRecordName(name.substr(0, at));
  std::optional<int64_t> child = ParseId(std::string_view(name).substr(at + separator.size()));
  if (!parent || !child) return std::nullopt;
  return std::pair(*parent, *child);
}

}  // namespace

std::optional<PhotoRef> ParsePhotoName(const std::string& name) {
  auto parsed = ParseChildName(name, kPhotos);
  if (!parsed) return std::nullopt;
  return PhotoRef{parsed->first, parsed->second};
}

std::string MarkName(RecordKind kind, int64_t record_id, int64_t mark_id) {
  return RecordName(kind, record_id) + kMarks + std::to_string(mark_id);
}

std::optional<PartRef> ParseMarkName(const std::string& name) {
  auto parsed = ParseChildName(name, kMarks);
  if (!parsed) return std::nullopt;
  return PartRef{parsed->first, parsed->second};
}

std::string EffectName(RecordKind kind, int64_t record_id, int64_t effect_id) {
  return RecordName(kind, record_id) + "/effects/" + std::to_string(effect_id);
}

std::optional<PartRef> ParseEffectName(const std::string& name) {
  auto parsed = ParseChildName(name, "/effects/");
  if (!parsed) return std::nullopt;
  return PartRef{parsed->first, parsed->second};
}

std::string DnaSampleName(RecordKind kind, int64_t record_id, int64_t sample_id) {
  return RecordName(kind, record_id) + "/dnaSamples/" + std::to_string(sample_id);
}

std::optional<PartRef> ParseDnaSampleName(const std::string& name) {
  auto parsed = ParseChildName(name, "/dnaSamples/");
  if (!parsed) return std::nullopt;
  return PartRef{parsed->first, parsed->second};
}

std::string DentalChartName(RecordKind kind, int64_t record_id) {
  return RecordName(kind, record_id) + "/dentalChart";
}

std::optional<RecordRef> ParseDentalChartName(const std::string& name) {
  constexpr std::string_view kSuffix = "/dentalChart";
  if (!std::string_view(name).ends_with(kSuffix)) return std::nullopt;
  return ParseRecordName(name.substr(0, name.size() - kSuffix.size()));
}

std::string Etag(int64_t revision) {
  // Built piecewise: GCC 12 warns falsely (-Wrestrict) on "\"" + std::to_string(...).
  std::string etag(1, '"');
  etag += std::to_string(revision);
  etag += '"';
  return etag;
}

std::optional<int64_t> ParseEtag(const std::string& etag) {
  if (etag.size() < 3 || etag.front() != '"' || etag.back() != '"') return std::nullopt;
  return ParseId(std::string_view(etag).substr(1, etag.size() - 2));
}

}  // namespace encuentro::records
