// Every live missing person (status missing or located deceased, not deleted) as matching
// compares them, with their face templates, in memory, so that a search scores all of them
// without reading PostgreSQL or looking anything up. Derived state, like the gallery: loaded at
// start-up and kept in step by the records module after each commit (see MatchingStateSync).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "index/face_gallery.h"
#include "records/model.h"
#include "storage/match_store.h"

namespace encuentro::matching {

// What of a missing person the evidence compares: id, organization, status, sex, birth date,
// age at disappearance, last sighting and place, reported height, each mark's kind, place and
// keywords, and the dental chart's teeth. Names, folios and descriptions are left out; a search
// reads them only for the candidates it returns.
records::MissingPerson MatchProfileOf(const records::MissingPerson& person);

// One live person as a search's scan reads them.
struct Candidate {
  records::MissingPerson profile;  // MatchProfileOf
  // Copies of the person's templates in the gallery, beside the person. The gallery stores
  // descriptors in the order they were added and finds an owner's through two hash lookups, so a
  // scan reading them there waited on memory for every candidate.
  std::vector<index::GalleryTemplate> templates;
};

// Thread-safe: scans share a lock, changes take it alone. Templates are copied from the gallery
// given at construction, which must outlive the pool; a change to the gallery is followed by
// TemplatesChanged for its owner. Every copy is made under the pool's lock, so the last change
// to an owner's templates is the one the pool keeps. The pool's lock is taken before the
// gallery's, never after.
class CandidatePool {
 public:
  static absl::StatusOr<std::unique_ptr<CandidatePool>> Load(storage::MatchStore& store,
                                                             const index::FaceGallery* gallery);
  explicit CandidatePool(const index::FaceGallery* gallery) : gallery_(gallery) {}

  // The person as committed: kept while live (with their templates as the gallery holds them),
  // dropped otherwise.
  void Update(const records::MissingPerson& person);
  void Remove(int64_t id);
  // The gallery's templates of `owner` changed: the pool copies them again if `owner` is in it.
  void TemplatesChanged(int64_t owner);
  // Everyone at once, as LoadCandidateProfiles gives them (catching up after missed changes),
  // with their templates as the gallery now holds them.
  void ReplaceAll(std::vector<records::MissingPerson> profiles);
  size_t size() const;
  // The pool's copies of `id`'s templates; none if `id` is not in the pool.
  std::vector<index::GalleryTemplate> TemplatesOf(int64_t id) const;
  // Calls `visit` once with every live person, in no particular order (rankings break ties by
  // id), under the shared lock, so that a scan split over threads sees one state of the pool:
  // keep it short of I/O.
  void Visit(const std::function<void(std::span<const Candidate>)>& visit) const;

 private:
  // `owner`'s templates as `reader` sees them.
  static std::vector<index::GalleryTemplate> CopyTemplates(const index::FaceGallery::Reader& reader,
                                                           int64_t owner);

  const index::FaceGallery* gallery_;
  // A flat array scans fast; `index_` finds a person's slot for changes. Guarded by mu_.
  mutable std::shared_mutex mu_;
  std::vector<Candidate> people_;
  std::unordered_map<int64_t, size_t> index_;
};

}  // namespace encuentro::matching
