// The searchable gallery of face templates: every usable descriptor of every missing person,
// found by Euclidean distance. Exact (flat) search while the gallery is small, HNSW once it grows
// past a configurable size. Derived state: it is built from PostgreSQL and can always be rebuilt.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/status/statusor.h"
#include "common/face_descriptor.h"

namespace faiss {
struct Index;
template <typename IndexT>
struct IndexIDMap2Template;
}  // namespace faiss

namespace encuentro::index {

struct GalleryOptions {
  // Below this many templates search is exact; from it on, HNSW (approximate).
  size_t approximate_from = 1'000'000;
  // HNSW graph degree (M), build and search beam widths. Recall rises with both depths.
  int hnsw_neighbors = 32;
  int hnsw_build_depth = 80;
  int hnsw_search_depth = 256;
};

// What matching needs to know of a template besides its descriptor, kept beside it so that
// scoring a candidate reads no database.
struct TemplateTraits {
  int64_t owner = 0;  // the missing person whose photo it came from
  // The person's age in the photo (an age progression's target age); NaN when unknown.
  float age_years = std::numeric_limits<float>::quiet_NaN();
  bool synthetic = false;       // an age progression, not a photograph
  bool failed_quality = false;  // the chosen face failed the quality checks
};

// One template: its id (the photo id it came from), its descriptor and traits, and the second
// model's embedding of the same face when it has one.
struct GalleryTemplate {
  int64_t id = 0;
  FaceDescriptor descriptor{};
  TemplateTraits traits;
  // Shared and immutable, so that a template without one costs a pointer, not 768 bytes, in the
  // candidate pool's copies that every search scans.
  std::shared_ptr<const SecondFaceEmbedding> second_embedding;
};

// A template seen in place: its descriptors are read where they are stored, valid while whatever
// holds them (a FaceGallery::Reader, or the GalleryTemplate it points into) lives.
struct TemplateView {
  int64_t id = 0;
  const float* descriptor = nullptr;  // kDescriptorSize floats
  TemplateTraits traits;
  const float* second_embedding = nullptr;  // kSecondEmbeddingSize floats, or none
};

// A view of a template held elsewhere (e.g. one read from the database).
inline TemplateView ViewOf(const GalleryTemplate& t) {
  return {t.id, t.descriptor.data(), t.traits,
          t.second_embedding ? t.second_embedding->data() : nullptr};
}

struct GalleryHit {
  int64_t id = 0;
  float distance = 0;  // Euclidean, as dlib's 0.6 threshold is defined
};

// Thread-safe: searches run concurrently under a shared lock; Add, Remove and snapshots take it
// exclusively. Removals take effect at once in both modes (HNSW cannot delete, so removed ids are
// filtered out and the graph is rebuilt once they exceed a tenth of it).
class FaceGallery {
 public:
  static std::unique_ptr<FaceGallery> Build(const std::vector<GalleryTemplate>& templates,
                                            const GalleryOptions& options = {});
  ~FaceGallery();
  FaceGallery(const FaceGallery&) = delete;
  FaceGallery& operator=(const FaceGallery&) = delete;

  // ALREADY_EXISTS if the id is in the gallery.
  absl::Status Add(const GalleryTemplate& entry);
  // Gives a template in the gallery the second model's embedding (a back-fill); NOT_FOUND if the
  // id is not in the gallery.
  absl::Status SetSecondEmbedding(int64_t id, const SecondFaceEmbedding& embedding);
  bool HasSecondEmbedding(int64_t id) const;
  // The stored second-model embedding of a template; nullopt if it has none or is absent.
  std::optional<SecondFaceEmbedding> LookupSecond(int64_t id) const;
  // How many templates have the second model's embedding.
  size_t second_embeddings() const;
  // False if the id was not in the gallery.
  bool Remove(int64_t id);
  bool Contains(int64_t id) const;
  // The stored descriptor of a template in the gallery; nullopt if absent.
  std::optional<FaceDescriptor> Lookup(int64_t id) const;
  // A consistent read of the gallery for a scan of many owners: holds the shared lock, so
  // changes wait until it is destroyed, and reads descriptors where they are stored.
  class Reader {
   public:
    explicit Reader(const FaceGallery& gallery);
    // Every template of one owner (an exact pass over them is how a candidate's true nearest
    // distance is found), appended to `out`, whose capacity a caller can reuse. The views are
    // valid while this reader lives.
    void TemplatesOf(int64_t owner, std::vector<TemplateView>* out) const;

   private:
    const FaceGallery& gallery_;
    std::shared_lock<std::shared_mutex> lock_;
    const faiss::IndexIDMap2Template<faiss::Index>* map_;
    const float* vectors_;
  };

  // The k nearest templates, nearest first; ties broken by id.
  std::vector<GalleryHit> Search(const FaceDescriptor& query, int k) const;
  // The same by the second model's embeddings, among the templates that have one (an exact
  // scan: ranking reads the candidate pool, so this serves checks and tools).
  std::vector<GalleryHit> SearchSecond(const SecondFaceEmbedding& query, int k) const;
  // Many queries at once (uses every core); result i answers query i.
  std::vector<std::vector<GalleryHit>> SearchMany(const std::vector<FaceDescriptor>& queries,
                                                  int k) const;

  size_t size() const;
  bool approximate() const;
  // Ids of every template in the gallery, ascending (for consistency checks).
  std::vector<int64_t> Ids() const;

  // Writes the gallery and `watermark` (the database state it reflects) to `path` atomically.
  absl::Status SaveSnapshot(const std::filesystem::path& path, const std::string& watermark) const;
  // Reads a snapshot; DATA_LOSS if it is corrupt or truncated. `*watermark` receives the stamp
  // it was saved with, for the caller to compare with the database.
  static absl::StatusOr<std::unique_ptr<FaceGallery>> LoadSnapshot(
      const std::filesystem::path& path, const GalleryOptions& options, std::string* watermark);

 private:
  FaceGallery(std::unique_ptr<faiss::Index> index, bool approximate, GalleryOptions options);
  // Replaces the index with one built from the live templates (exclusive lock held).
  void RebuildLocked();
  // Keep traits_ and by_owner_ in step with the index (exclusive lock held).
  void TrackLocked(int64_t id, const TemplateTraits& traits);
  void UntrackLocked(int64_t id);
  std::vector<GalleryHit> SearchLocked(const float* queries, size_t count, int k,
                                       std::vector<std::vector<GalleryHit>>* all) const;

  const GalleryOptions options_;
  mutable std::shared_mutex mu_;
  std::unique_ptr<faiss::Index> index_;  // guarded by mu_
  bool approximate_;                     // guarded by mu_
  std::unordered_set<int64_t> removed_;  // guarded by mu_: HNSW tombstones
  // Traits of every live template, and each owner's live template ids; guarded by mu_.
  std::unordered_map<int64_t, TemplateTraits> traits_;
  // Each owner's templates in the order they came (a candidate's comparisons are ordered by
  // distance and id, not by this order).
  std::unordered_map<int64_t, std::vector<std::pair<int64_t, TemplateTraits>>> by_owner_;
  // The second model's embeddings of the live templates that have one; guarded by mu_. Node-based,
  // so a Reader's views of them stay put while it lives.
  std::unordered_map<int64_t, SecondFaceEmbedding> second_;
};

}  // namespace encuentro::index
