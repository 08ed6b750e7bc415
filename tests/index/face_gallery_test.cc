#include "index/face_gallery.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

#include "common/synthetic_descriptors.h"
#include "tests/support/temp_dir.h"

namespace encuentro::index {
namespace {

std::vector<GalleryTemplate> RandomGallery(size_t n, std::mt19937& rng) {
  std::vector<GalleryTemplate> templates(n);
  for (size_t i = 0; i < n; ++i)
    templates[i] = {static_cast<int64_t>(i + 1), RandomUnitDescriptor(rng)};
  return templates;
}

TEST(FaceGallery, ExactSearchFindsThePlantedMatchFirst) {
  std::mt19937 rng(1);
  auto templates = RandomGallery(5000, rng);
  auto gallery = FaceGallery::Build(templates);
  EXPECT_FALSE(gallery->approximate());
  const FaceDescriptor probe = NearDescriptor(templates[1234].descriptor, 0.3f, rng);
  std::vector<GalleryHit> hits = gallery->Search(probe, 10);
  ASSERT_EQ(hits.size(), 10u);
  EXPECT_EQ(hits[0].id, 1235);
  EXPECT_NEAR(hits[0].distance, 0.3f, 0.05f);
  for (size_t i = 1; i < hits.size(); ++i) EXPECT_LE(hits[i - 1].distance, hits[i].distance);
}

TEST(FaceGallery, RemovalTakesEffectAtOnceInBothModes) {
  for (size_t approximate_from : {size_t{1'000'000}, size_t{100}}) {
    std::mt19937 rng(2);
    auto templates = RandomGallery(2000, rng);
    auto gallery = FaceGallery::Build(templates, {.approximate_from = approximate_from});
    EXPECT_EQ(gallery->approximate(), approximate_from == 100);
    const FaceDescriptor probe = templates[10].descriptor;
    ASSERT_EQ(gallery->Search(probe, 1).at(0).id, 11);
    EXPECT_TRUE(gallery->Remove(11));
    EXPECT_FALSE(gallery->Remove(11));
    EXPECT_FALSE(gallery->Contains(11));
    EXPECT_EQ(gallery->size(), 1999u);
    for (const GalleryHit& hit : gallery->Search(probe, 50)) EXPECT_NE(hit.id, 11);
    EXPECT_EQ(gallery->Search(probe, 50).size(), 50u);
    ASSERT_TRUE(gallery->Add({11, probe}).ok());
    EXPECT_EQ(gallery->Search(probe, 1).at(0).id, 11);
    EXPECT_EQ(gallery->Add({11, probe}).code(), absl::StatusCode::kAlreadyExists);
  }
}

TEST(FaceGallery, ApproximateRecallAgainstExact) {
  std::mt19937 rng(3);
  auto templates = RandomGallery(20000, rng);
  auto exact = FaceGallery::Build(templates, {.approximate_from = 1'000'000});
  auto approximate = FaceGallery::Build(templates, {.approximate_from = 1});
  ASSERT_TRUE(approximate->approximate());
  std::vector<FaceDescriptor> probes;
  for (int i = 0; i < 200; ++i)
    probes.push_back(NearDescriptor(templates[i * 97].descriptor, 0.4f, rng));
  auto truth = exact->SearchMany(probes, 10);
  auto found = approximate->SearchMany(probes, 10);
  size_t agree = 0;
  for (size_t q = 0; q < probes.size(); ++q) {
    for (const auto& hit : found[q]) {
      for (const auto& t : truth[q]) agree += hit.id == t.id ? 1 : 0;
    }
    EXPECT_EQ(found[q].at(0).id, truth[q].at(0).id);  // the planted match is never missed
  }
  EXPECT_GE(static_cast<double>(agree) / (probes.size() * 10), 0.95);
}

TEST(FaceGallery, GrowingPastTheThresholdSwitchesToHnsw) {
  std::mt19937 rng(4);
  auto gallery = FaceGallery::Build({}, {.approximate_from = 500});
  for (int64_t id = 1; id <= 600; ++id)
    ASSERT_TRUE(gallery->Add({id, RandomUnitDescriptor(rng)}).ok());
  EXPECT_TRUE(gallery->approximate());
  EXPECT_EQ(gallery->size(), 600u);
}

TEST(FaceGallery, RebuildEqualsIncrementalUpdates) {
  std::mt19937 rng(5);
  auto templates = RandomGallery(3000, rng);
  auto incremental = FaceGallery::Build({});
  for (const auto& t : templates) ASSERT_TRUE(incremental->Add(t).ok());
  for (int64_t id = 1; id <= 3000; id += 7) incremental->Remove(id);
  std::vector<GalleryTemplate> live;
  for (const auto& t : templates) {
    if ((t.id - 1) % 7 != 0) live.push_back(t);
  }
  auto rebuilt = FaceGallery::Build(live);
  EXPECT_EQ(incremental->Ids(), rebuilt->Ids());
  for (int i = 0; i < 50; ++i) {
    const FaceDescriptor probe = RandomUnitDescriptor(rng);
    auto a = incremental->Search(probe, 10);
    auto b = rebuilt->Search(probe, 10);
    ASSERT_EQ(a.size(), b.size());
    for (size_t j = 0; j < a.size(); ++j) EXPECT_EQ(a[j].id, b[j].id);
  }
}

TEST(FaceGallery, SecondEmbeddingsAreKeptSearchedBackFilledAndSnapshotted) {
  std::mt19937 random(7);
  std::vector<GalleryTemplate> templates;
  for (int64_t id = 1; id <= 50; ++id) {
    GalleryTemplate t{id, RandomUnitDescriptor(random), {.owner = 100 + id % 10}};
    if (id % 2 == 0) {
      t.second_embedding =
          std::make_shared<SecondFaceEmbedding>(RandomUnitDescriptor<SecondFaceEmbedding>(random));
    }
    templates.push_back(t);
  }
  auto gallery = FaceGallery::Build(templates);
  EXPECT_EQ(gallery->second_embeddings(), 25u);
  EXPECT_TRUE(gallery->HasSecondEmbedding(2));
  EXPECT_FALSE(gallery->HasSecondEmbedding(1));

  // The second model's search finds a template by its own embedding, among those that have one.
  const SecondFaceEmbedding probe = NearDescriptor(*templates[9].second_embedding, 0.1f, random);
  const std::vector<GalleryHit> hits = gallery->SearchSecond(probe, 3);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].id, 10);
  for (const GalleryHit& hit : hits) EXPECT_EQ(hit.id % 2, 0);

  // A back-fill gives template 1 its embedding; readers see it beside the descriptor.
  const SecondFaceEmbedding filled = RandomUnitDescriptor<SecondFaceEmbedding>(random);
  ASSERT_TRUE(gallery->SetSecondEmbedding(1, filled).ok());
  EXPECT_EQ(gallery->SetSecondEmbedding(999, filled).code(), absl::StatusCode::kNotFound);
  {
    FaceGallery::Reader reader(*gallery);
    std::vector<TemplateView> views;
    reader.TemplatesOf(101, &views);  // ids 1, 11, 21, 31, 41
    ASSERT_EQ(views.size(), 5u);
    ASSERT_NE(views[0].second_embedding, nullptr);
    EXPECT_EQ(views[0].second_embedding[0], filled[0]);
    EXPECT_EQ(views[1].second_embedding, nullptr);  // 11: none
  }
  gallery->Remove(2);
  EXPECT_EQ(gallery->second_embeddings(), 25u);  // +1 filled, -1 removed

  testing::TempDir dir;
  const auto path = dir.path() / "gallery.snapshot";
  ASSERT_TRUE(gallery->SaveSnapshot(path, "w").ok());
  std::string watermark;
  auto loaded = FaceGallery::LoadSnapshot(path, {}, &watermark);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->second_embeddings(), 25u);
  EXPECT_TRUE((*loaded)->HasSecondEmbedding(1));
  EXPECT_FALSE((*loaded)->HasSecondEmbedding(2));
  EXPECT_EQ((*loaded)->SearchSecond(probe, 1)[0].id, 10);
}

TEST(FaceGallery, SnapshotRoundTripAndCorruptionIsDetected) {
  testing::TempDir dir;
  std::mt19937 rng(6);
  auto templates = RandomGallery(3000, rng);
  for (auto& t : templates) t.traits = {t.id / 2, static_cast<float>(t.id % 70), t.id % 3 == 0};
  auto gallery = FaceGallery::Build(templates, {.approximate_from = 1000});
  gallery->Remove(5);
  const auto path = dir.path() / "gallery.snapshot";
  ASSERT_TRUE(gallery->SaveSnapshot(path, "watermark-42").ok());
  std::string watermark;
  auto loaded = FaceGallery::LoadSnapshot(path, {.approximate_from = 1000}, &watermark);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(watermark, "watermark-42");
  EXPECT_EQ((*loaded)->size(), 2999u);
  EXPECT_FALSE((*loaded)->Contains(5));
  EXPECT_EQ((*loaded)->Search(templates[99].descriptor, 1).at(0).id, 100);
  {
    // Owners and traits come back with the index.
    const FaceGallery::Reader reader(**loaded);
    std::vector<TemplateView> views;
    reader.TemplatesOf(50, &views);
    ASSERT_EQ(views.size(), 2u);  // ids 100 and 101
    for (const TemplateView& v : views) {
      EXPECT_EQ(v.traits.owner, 50);
      EXPECT_EQ(v.traits.age_years, static_cast<float>(v.id % 70));
      EXPECT_EQ(v.traits.synthetic, v.id % 3 == 0);
      const auto& original = templates[static_cast<size_t>(v.id - 1)];
      EXPECT_EQ(DescriptorDistance(v.descriptor, original.descriptor.data()), 0);
    }
  }
  {
    // A header whose tombstone count would wrap a size check is caught, not read.
    std::string bytes;
    {
      std::ifstream in(path, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    const size_t tombstones_at =
        std::strlen("ENCUENTRO-GALLERY-4\n") + 64 + 8 + std::strlen("watermark-42") + 1;
    const uint64_t huge = uint64_t{1} << 61;
    std::memcpy(bytes.data() + tombstones_at, &huge, sizeof huge);
    const auto bad = dir.path() / "bad.snapshot";
    std::ofstream(bad, std::ios::binary) << bytes;
    EXPECT_EQ(FaceGallery::LoadSnapshot(bad, {}, &watermark).status().code(),
              absl::StatusCode::kDataLoss);
  }

  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(-100, std::ios::end);
    file.put('\x7f');
  }
  EXPECT_EQ(FaceGallery::LoadSnapshot(path, {}, &watermark).status().code(),
            absl::StatusCode::kDataLoss);
  std::filesystem::resize_file(path, 50);
  EXPECT_EQ(FaceGallery::LoadSnapshot(path, {}, &watermark).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(FaceGallery::LoadSnapshot(dir.path() / "none", {}, &watermark).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace encuentro::index
