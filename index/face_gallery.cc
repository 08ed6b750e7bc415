#include "index/face_gallery.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "common/durable_file.h"

namespace encuentro::index {

namespace {

using IdMap = faiss::IndexIDMap2;
// faiss 1.7.3 (Debian 12) declares the label type inside Index.
using idx_t = faiss::Index::idx_t;

// Version 2: BLAKE2b-256 instead of SHA-256 over the index bytes (several times faster on a
// 512 MB gallery; the digest guards against corruption, not against an adversary).
// Version 3: each template's traits (owner, age, synthetic, quality) before the index.
// Version 4: one digest over everything after it, header included, so that no field is read
// before it is known to be intact. An older snapshot is simply rebuilt from the database.
// Version 5: the second model's embeddings (id, then 192 floats each) after the traits.
constexpr char kSnapshotMagic[] = "ENCUENTRO-GALLERY-5\n";

// Bytes of one template's traits in a snapshot: id, owner, age, synthetic, failed quality.
constexpr size_t kTraitBytes = 8 + 8 + 4 + 1 + 1;
// And of one second-model embedding: id, then the floats.
constexpr size_t kSecondEmbeddingBytes = 8 + sizeof(SecondFaceEmbedding);

std::string SnapshotDigest(std::string_view bytes) {
  std::array<unsigned char, crypto_generichash_BYTES> digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr,
                     0);
  std::string hex(digest.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  hex.pop_back();
  return hex;
}

// Reads a FAISS index straight out of the loaded snapshot, without another copy of it.
struct ViewReader final : faiss::IOReader {
  explicit ViewReader(std::string_view bytes) : data(bytes) {}
  size_t operator()(void* ptr, size_t size, size_t nitems) override {
    if (size == 0) return 0;
    const size_t items = std::min(nitems, (data.size() - position) / size);
    // FAISS reads empty vectors with a null `ptr`; memcpy from or to null is undefined even for
    // zero bytes (found by UBSan in the server's start-up).
    if (items > 0) std::memcpy(ptr, data.data() + position, items * size);
    position += items * size;
    return items;
  }
  std::string_view data;
  size_t position = 0;
};

std::unique_ptr<faiss::Index> NewIndex(bool approximate, const GalleryOptions& options) {
  faiss::Index* inner = nullptr;
  if (approximate) {
    auto* hnsw = new faiss::IndexHNSWFlat(kDescriptorSize, options.hnsw_neighbors);
    hnsw->hnsw.efConstruction = options.hnsw_build_depth;
    hnsw->hnsw.efSearch = options.hnsw_search_depth;
    inner = hnsw;
  } else {
    inner = new faiss::IndexFlatL2(kDescriptorSize);
  }
  auto map = std::make_unique<IdMap>(inner);
  map->own_fields = true;
  return map;
}

IdMap& Map(faiss::Index& index) { return static_cast<IdMap&>(index); }

// Where the index keeps its descriptors: the flat storage of either kind of index, in the order
// of the id map's internal positions.
const float* StoredVectors(const IdMap& map) {
  const faiss::Index* inner = map.index;
  if (const auto* hnsw = dynamic_cast<const faiss::IndexHNSWFlat*>(inner)) inner = hnsw->storage;
  return static_cast<const faiss::IndexFlat*>(inner)->get_xb();
}

template <typename T>
void Append(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

template <typename T>
bool Take(std::string_view& in, T* value) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(value, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}

}  // namespace

FaceGallery::FaceGallery(std::unique_ptr<faiss::Index> index, bool approximate,
                         GalleryOptions options)
    : options_(options), index_(std::move(index)), approximate_(approximate) {}

FaceGallery::~FaceGallery() = default;

std::unique_ptr<FaceGallery> FaceGallery::Build(const std::vector<GalleryTemplate>& templates,
                                                const GalleryOptions& options) {
  const bool approximate = templates.size() >= options.approximate_from;
  std::vector<float> data(templates.size() * kDescriptorSize);
  std::vector<idx_t> ids(templates.size());
  for (size_t i = 0; i < templates.size(); ++i) {
    std::copy(templates[i].descriptor.begin(), templates[i].descriptor.end(),
              data.begin() + static_cast<std::ptrdiff_t>(i * kDescriptorSize));
    ids[i] = templates[i].id;
  }
  auto index = NewIndex(approximate, options);
  if (!templates.empty())
    index->add_with_ids(static_cast<idx_t>(ids.size()), data.data(), ids.data());
  auto gallery =
      std::unique_ptr<FaceGallery>(new FaceGallery(std::move(index), approximate, options));
  for (const GalleryTemplate& t : templates) {
    gallery->TrackLocked(t.id, t.traits);
    if (t.second_embedding) gallery->second_[t.id] = *t.second_embedding;
  }
  return gallery;
}

void FaceGallery::TrackLocked(int64_t id, const TemplateTraits& traits) {
  traits_[id] = traits;
  by_owner_[traits.owner].emplace_back(id, traits);
}

void FaceGallery::UntrackLocked(int64_t id) {
  const auto found = traits_.find(id);
  if (found == traits_.end()) return;
  const auto owner = by_owner_.find(found->second.owner);
  if (owner != by_owner_.end()) {
    std::erase_if(owner->second, [id](const auto& entry) { return entry.first == id; });
    if (owner->second.empty()) by_owner_.erase(owner);
  }
  traits_.erase(found);
  second_.erase(id);
}

absl::Status FaceGallery::Add(const GalleryTemplate& entry) {
  std::unique_lock lock(mu_);
  if (Map(*index_).rev_map.count(entry.id) != 0) {
    if (removed_.erase(entry.id) == 0) {
      return absl::AlreadyExistsError(absl::StrCat("template ", entry.id, " is in the gallery"));
    }
    // Re-adding a tombstoned id: drop the stale vector by rebuilding, then add below.
    removed_.insert(entry.id);
    RebuildLocked();
  }
  const idx_t id = entry.id;
  index_->add_with_ids(1, entry.descriptor.data(), &id);
  TrackLocked(entry.id, entry.traits);
  if (entry.second_embedding) second_[entry.id] = *entry.second_embedding;
  if (!approximate_ && static_cast<size_t>(index_->ntotal) >= options_.approximate_from) {
    RebuildLocked();  // grown past the exact-search size: switch to HNSW
  }
  return absl::OkStatus();
}

bool FaceGallery::Remove(int64_t id) {
  std::unique_lock lock(mu_);
  IdMap& map = Map(*index_);
  if (map.rev_map.count(id) == 0 || removed_.count(id) != 0) return false;
  UntrackLocked(id);
  if (!approximate_) {
    faiss::IDSelectorArray selector(1, &id);
    map.remove_ids(selector);
    return true;
  }
  removed_.insert(id);
  if (removed_.size() * 10 > static_cast<size_t>(index_->ntotal)) RebuildLocked();
  return true;
}

absl::Status FaceGallery::SetSecondEmbedding(int64_t id, const SecondFaceEmbedding& embedding) {
  std::unique_lock lock(mu_);
  if (!traits_.contains(id)) {
    return absl::NotFoundError(absl::StrCat("template ", id, " is not in the gallery"));
  }
  second_[id] = embedding;
  return absl::OkStatus();
}

bool FaceGallery::HasSecondEmbedding(int64_t id) const {
  std::shared_lock lock(mu_);
  return second_.contains(id);
}

std::optional<SecondFaceEmbedding> FaceGallery::LookupSecond(int64_t id) const {
  std::shared_lock lock(mu_);
  const auto found = second_.find(id);
  if (found == second_.end()) return std::nullopt;
  return found->second;
}

size_t FaceGallery::second_embeddings() const {
  std::shared_lock lock(mu_);
  return second_.size();
}

std::vector<GalleryHit> FaceGallery::SearchSecond(const SecondFaceEmbedding& query, int k) const {
  std::vector<GalleryHit> hits;
  if (k <= 0) return hits;
  {
    std::shared_lock lock(mu_);
    hits.reserve(second_.size());
    for (const auto& [id, embedding] : second_) {
      hits.push_back({id, SecondEmbeddingDistance(query.data(), embedding.data())});
    }
  }
  const auto nearer = [](const GalleryHit& a, const GalleryHit& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
  };
  const size_t kept = std::min(hits.size(), static_cast<size_t>(k));
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(kept), hits.end(),
                    nearer);
  hits.resize(kept);
  return hits;
}

bool FaceGallery::Contains(int64_t id) const {
  std::shared_lock lock(mu_);
  return Map(*index_).rev_map.count(id) != 0 && removed_.count(id) == 0;
}

std::optional<FaceDescriptor> FaceGallery::Lookup(int64_t id) const {
  std::shared_lock lock(mu_);
  const IdMap& map = Map(*index_);
  if (map.rev_map.count(id) == 0 || removed_.count(id) != 0) return std::nullopt;
  FaceDescriptor descriptor;
  map.reconstruct(id, descriptor.data());
  return descriptor;
}

FaceGallery::Reader::Reader(const FaceGallery& gallery)
    : gallery_(gallery),
      lock_(gallery.mu_),
      map_(&Map(*gallery.index_)),
      vectors_(StoredVectors(*map_)) {}

void FaceGallery::Reader::TemplatesOf(int64_t owner, std::vector<TemplateView>* out) const {
  const auto found = gallery_.by_owner_.find(owner);
  if (found == gallery_.by_owner_.end()) return;
  for (const auto& [id, traits] : found->second) {
    const auto position = static_cast<size_t>(map_->rev_map.at(id));
    const auto second = gallery_.second_.find(id);
    out->push_back({id, vectors_ + position * kDescriptorSize, traits,
                    second == gallery_.second_.end() ? nullptr : second->second.data()});
  }
}

void FaceGallery::RebuildLocked() {
  const IdMap& old = Map(*index_);
  std::vector<idx_t> ids;
  ids.reserve(old.id_map.size());
  for (idx_t id : old.id_map) {
    if (removed_.count(id) == 0) ids.push_back(id);
  }
  std::vector<float> data(ids.size() * kDescriptorSize);
  for (size_t i = 0; i < ids.size(); ++i)
    old.reconstruct(ids[i], data.data() + i * kDescriptorSize);
  const bool approximate = ids.size() >= options_.approximate_from;
  auto fresh = NewIndex(approximate, options_);
  if (!ids.empty()) fresh->add_with_ids(static_cast<idx_t>(ids.size()), data.data(), ids.data());
  index_ = std::move(fresh);
  approximate_ = approximate;
  removed_.clear();
}

std::vector<GalleryHit> FaceGallery::SearchLocked(const float* queries, size_t count, int k,
                                                  std::vector<std::vector<GalleryHit>>* all) const {
  const idx_t live = index_->ntotal - static_cast<idx_t>(removed_.size());
  const idx_t want = std::min<idx_t>(k, live);
  std::vector<std::vector<GalleryHit>> results(count);
  if (want > 0) {
    // Over-fetch by the tombstones so that filtering them leaves k live hits.
    const idx_t fetch = std::min<idx_t>(want + static_cast<idx_t>(removed_.size()), index_->ntotal);
    std::vector<float> distances(count * static_cast<size_t>(fetch));
    std::vector<idx_t> labels(count * static_cast<size_t>(fetch));
    index_->search(static_cast<idx_t>(count), queries, fetch, distances.data(), labels.data());
    for (size_t q = 0; q < count; ++q) {
      std::vector<GalleryHit>& hits = results[q];
      for (idx_t j = 0; j < fetch; ++j) {
        const size_t at = q * static_cast<size_t>(fetch) + static_cast<size_t>(j);
        if (labels[at] < 0 || removed_.count(labels[at]) != 0) continue;
        hits.push_back({labels[at], std::sqrt(std::max(0.0f, distances[at]))});
      }
      std::sort(hits.begin(), hits.end(), [](const GalleryHit& a, const GalleryHit& b) {
        return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
      });
      if (hits.size() > static_cast<size_t>(want)) hits.resize(static_cast<size_t>(want));
    }
  }
  if (all != nullptr) {
    *all = std::move(results);
    return {};
  }
  return count == 1 ? std::move(results[0]) : std::vector<GalleryHit>();
}

std::vector<GalleryHit> FaceGallery::Search(const FaceDescriptor& query, int k) const {
  std::shared_lock lock(mu_);
  return SearchLocked(query.data(), 1, k, nullptr);
}

std::vector<std::vector<GalleryHit>> FaceGallery::SearchMany(
    const std::vector<FaceDescriptor>& queries, int k) const {
  std::shared_lock lock(mu_);
  std::vector<std::vector<GalleryHit>> all;
  if (queries.empty()) return all;
  // std::array<float, 128> elements are contiguous, so the vector is a row-major matrix.
  SearchLocked(queries.front().data(), queries.size(), k, &all);
  return all;
}

size_t FaceGallery::size() const {
  std::shared_lock lock(mu_);
  return static_cast<size_t>(index_->ntotal) - removed_.size();
}

bool FaceGallery::approximate() const {
  std::shared_lock lock(mu_);
  return approximate_;
}

std::vector<int64_t> FaceGallery::Ids() const {
  std::shared_lock lock(mu_);
  std::vector<int64_t> ids;
  for (idx_t id : Map(*index_).id_map) {
    if (removed_.count(id) == 0) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

absl::Status FaceGallery::SaveSnapshot(const std::filesystem::path& path,
                                       const std::string& watermark) const {
  std::string blob;
  {
    std::shared_lock lock(mu_);
    faiss::VectorIOWriter writer;
    faiss::write_index(index_.get(), &writer);
    std::string body;
    Append(body, static_cast<uint64_t>(watermark.size()));
    body += watermark;
    Append(body, static_cast<uint8_t>(approximate_ ? 1 : 0));
    Append(body, static_cast<uint64_t>(removed_.size()));
    for (int64_t id : removed_) Append(body, id);
    Append(body, static_cast<uint64_t>(traits_.size()));
    for (const auto& [id, t] : traits_) {
      Append(body, id);
      Append(body, t.owner);
      Append(body, t.age_years);
      Append(body, static_cast<uint8_t>(t.synthetic));
      Append(body, static_cast<uint8_t>(t.failed_quality));
    }
    Append(body, static_cast<uint64_t>(second_.size()));
    for (const auto& [id, embedding] : second_) {
      Append(body, id);
      body.append(reinterpret_cast<const char*>(embedding.data()), sizeof embedding);
    }
    Append(body, static_cast<uint64_t>(writer.data.size()));
    body.append(reinterpret_cast<const char*>(writer.data.data()), writer.data.size());
    blob = kSnapshotMagic + SnapshotDigest(body);
    blob += body;
  }
  // Written beside the target and renamed over it, so a crash never leaves half a snapshot.
  return WriteFileDurably(path, blob,
                          std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

absl::StatusOr<std::unique_ptr<FaceGallery>> FaceGallery::LoadSnapshot(
    const std::filesystem::path& path, const GalleryOptions& options, std::string* watermark) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::NotFoundError("no gallery snapshot at " + path.string());
  std::string contents(static_cast<size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(contents.data(), static_cast<std::streamsize>(contents.size()))) {
    return absl::DataLossError("cannot read gallery snapshot " + path.string());
  }
  std::string_view view = contents;
  const auto corrupt = [&](const char* why) {
    return absl::DataLossError(absl::StrCat("gallery snapshot ", path.string(), " is corrupt (",
                                            why, "); it will be rebuilt from the database"));
  };
  if (!view.starts_with(kSnapshotMagic)) return corrupt("bad header");
  view.remove_prefix(std::strlen(kSnapshotMagic));
  if (view.size() < 64) return corrupt("truncated");
  // Nothing is read from the body before its digest matches. The digest guards against
  // corruption only: FAISS's reader is not hardened against a crafted body (a forged snapshot
  // makes it allocate terabytes or leak), and anyone who can write the data directory can forge
  // one. Compared by libsodium, which also keeps a fuzzer from reading the expected digest off
  // the comparison and forging exactly such bodies.
  const std::string expected = SnapshotDigest(view.substr(64));
  if (sodium_memcmp(expected.data(), view.data(), 64) != 0) return corrupt("checksum mismatch");
  view.remove_prefix(64);
  // Counts are checked by division, so that no product of a count can wrap.
  uint64_t watermark_size = 0;
  if (!Take(view, &watermark_size) || watermark_size > view.size()) return corrupt("truncated");
  *watermark = std::string(view.substr(0, watermark_size));
  view.remove_prefix(watermark_size);
  uint8_t approximate = 0;
  uint64_t tombstones = 0;
  if (!Take(view, &approximate) || !Take(view, &tombstones) ||
      tombstones > view.size() / sizeof(int64_t)) {
    return corrupt("truncated");
  }
  std::unordered_set<int64_t> removed;
  for (uint64_t i = 0; i < tombstones; ++i) {
    int64_t id = 0;
    Take(view, &id);
    removed.insert(id);
  }
  uint64_t trait_count = 0;
  if (!Take(view, &trait_count) || trait_count > view.size() / kTraitBytes) {
    return corrupt("truncated");
  }
  const std::string_view traits_bytes = view.substr(0, trait_count * kTraitBytes);
  view.remove_prefix(traits_bytes.size());
  uint64_t second_count = 0;
  if (!Take(view, &second_count) || second_count > view.size() / kSecondEmbeddingBytes) {
    return corrupt("truncated");
  }
  std::string_view second_bytes = view.substr(0, second_count * kSecondEmbeddingBytes);
  view.remove_prefix(second_bytes.size());
  uint64_t index_size = 0;
  if (!Take(view, &index_size) || view.size() != index_size) return corrupt("truncated");
  const std::string_view index_bytes = view;
  std::unique_ptr<faiss::Index> index;
  try {
    ViewReader reader(index_bytes);
    index.reset(faiss::read_index(&reader));
  } catch (const std::exception& e) {
    return corrupt("unreadable index");
  }
  if (dynamic_cast<IdMap*>(index.get()) == nullptr || index->d != kDescriptorSize) {
    return corrupt("unexpected index type");
  }
  auto gallery =
      std::unique_ptr<FaceGallery>(new FaceGallery(std::move(index), approximate != 0, options));
  gallery->removed_ = std::move(removed);
  std::string_view traits = traits_bytes;
  for (uint64_t i = 0; i < trait_count; ++i) {
    int64_t id = 0;
    TemplateTraits t;
    uint8_t synthetic = 0;
    uint8_t failed_quality = 0;
    Take(traits, &id);
    Take(traits, &t.owner);
    Take(traits, &t.age_years);
    Take(traits, &synthetic);
    Take(traits, &failed_quality);
    t.synthetic = synthetic != 0;
    t.failed_quality = failed_quality != 0;
    gallery->TrackLocked(id, t);
  }
  if (gallery->traits_.size() + gallery->removed_.size() !=
      static_cast<size_t>(gallery->index_->ntotal)) {
    return corrupt("traits do not cover the index");
  }
  for (uint64_t i = 0; i < second_count; ++i) {
    int64_t id = 0;
    SecondFaceEmbedding embedding;
    Take(second_bytes, &id);
    std::memcpy(embedding.data(), second_bytes.data(), sizeof embedding);
    second_bytes.remove_prefix(sizeof embedding);
    if (!gallery->traits_.contains(id)) return corrupt("an embedding of no template");
    gallery->second_[id] = embedding;
  }
  return gallery;
}

}  // namespace encuentro::index
