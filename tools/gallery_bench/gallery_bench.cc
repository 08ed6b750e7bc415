// Measures the face gallery on synthetic galleries of random unit descriptors with planted true
// matches: build time, single-query latency (p50/p99) exact and approximate, recall@10 of
// approximate against exact, batched exact search, snapshot save/load, and memory.
//
//   encuentro_gallery_bench [--sizes 1000,100000,1000000] [--queries 1000] [--hnsw-max N]
//                           [--ivf-lists 4096]
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "common/synthetic_descriptors.h"
#include "index/face_gallery.h"

namespace {

using encuentro::FaceDescriptor;
using encuentro::kDescriptorSize;
using encuentro::RandomUnitDescriptor;
using encuentro::index::FaceGallery;
using encuentro::index::GalleryOptions;
using encuentro::index::GalleryTemplate;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Resident memory of this process in MiB.
double ResidentMiB() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      double kib = 0;
      status >> kib;
      return kib / 1024;
    }
  }
  return 0;
}

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * static_cast<double>(values.size() - 1))];
}

struct Latency {
  double p50_ms = 0;
  double p99_ms = 0;
};

Latency MeasureSingleQueries(const FaceGallery& gallery,
                             const std::vector<FaceDescriptor>& probes) {
  std::vector<double> ms;
  for (const FaceDescriptor& probe : probes) {
    const auto start = Clock::now();
    auto hits = gallery.Search(probe, 10);
    ms.push_back(Seconds(start) * 1000);
    if (hits.empty()) std::abort();
  }
  return {Percentile(ms, 0.5), Percentile(ms, 0.99)};
}

// The IVF-flat alternative to HNSW, outside the product (FaceGallery does not offer it): its
// recall against exact search and its single-query latency for a sweep of probe counts, to show
// what an approximate index reaches on these galleries.
void MeasureIvf(const std::vector<GalleryTemplate>& templates,
                const std::vector<FaceDescriptor>& probes,
                const std::vector<std::vector<encuentro::index::GalleryHit>>& truth, int lists,
                int single_queries) {
  std::vector<float> data(templates.size() * kDescriptorSize);
  for (size_t i = 0; i < templates.size(); ++i) {
    std::copy(templates[i].descriptor.begin(), templates[i].descriptor.end(),
              data.begin() + static_cast<std::ptrdiff_t>(i * kDescriptorSize));
  }
  faiss::IndexFlatL2 coarse(kDescriptorSize);
  faiss::IndexIVFFlat ivf(&coarse, kDescriptorSize, static_cast<size_t>(lists));
  const auto start = Clock::now();
  const size_t train = std::min(templates.size(), static_cast<size_t>(lists) * 40);
  ivf.train(static_cast<faiss::Index::idx_t>(train), data.data());
  ivf.add(static_cast<faiss::Index::idx_t>(templates.size()), data.data());
  const double build = Seconds(start);
  for (size_t nprobe : {16, 64, 128, 256, 512}) {
    if (nprobe > static_cast<size_t>(lists)) break;
    ivf.nprobe = nprobe;
    std::vector<double> ms;
    size_t agree = 0;
    std::vector<faiss::Index::idx_t> ids(10);
    std::vector<float> distances(10);
    for (size_t q = 0; q < probes.size(); ++q) {
      const auto query_start = Clock::now();
      ivf.search(1, probes[q].data(), 10, distances.data(), ids.data());
      if (q < static_cast<size_t>(single_queries)) ms.push_back(Seconds(query_start) * 1000);
      for (faiss::Index::idx_t id : ids) {
        for (const auto& t : truth[q]) agree += id + 1 == t.id ? 1 : 0;  // ids are row + 1
      }
    }
    std::printf("%9zu %7s %9.2f %9.3f %9.3f %10.4f   (IVF-flat, %d lists, nprobe %zu)\n",
                templates.size(), "ivf", build, Percentile(ms, 0.5), Percentile(ms, 0.99),
                static_cast<double>(agree) / static_cast<double>(probes.size() * 10), lists,
                nprobe);
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Face gallery benchmark on synthetic descriptors");
  std::vector<size_t> sizes = {1000, 100000};
  int queries = 1000;
  int single_queries = 300;
  std::string snapshot_dir = std::filesystem::temp_directory_path().string();
  GalleryOptions hnsw;
  app.add_option("--sizes", sizes, "Gallery sizes")->delimiter(',');
  app.add_option("--queries", queries, "Queries in the batched and recall runs");
  app.add_option("--single-queries", single_queries, "Queries timed one by one");
  app.add_option("--snapshot-dir", snapshot_dir, "Where to write snapshots");
  size_t hnsw_max = 200'000;
  app.add_option("--hnsw-max", hnsw_max,
                 "Measure HNSW only up to this size (its build takes ~1 s per 1,000 templates on "
                 "2 cores)");
  app.add_option("--hnsw-m", hnsw.hnsw_neighbors, "HNSW degree");
  app.add_option("--ef-construction", hnsw.hnsw_build_depth, "HNSW build depth");
  app.add_option("--ef-search", hnsw.hnsw_search_depth, "HNSW search depth");
  int ivf_lists = 0;
  app.add_option("--ivf-lists", ivf_lists,
                 "Also measure IVF-flat with this many lists (a probe sweep); 0: off");
  CLI11_PARSE(app, argc, argv);

  std::printf("%9s %7s %9s %9s %9s %10s %9s %9s %9s %9s\n", "templates", "mode", "build_s",
              "p50_ms", "p99_ms", "recall@10", "batch_s", "save_s", "load_s", "rss_MiB");
  for (size_t n : sizes) {
    std::mt19937 rng(42);
    std::vector<GalleryTemplate> templates(n);
    for (size_t i = 0; i < n; ++i)
      templates[i] = {static_cast<int64_t>(i + 1), RandomUnitDescriptor(rng)};
    // Probes: a planted true match at distance ~0.4 (a second photo of a gallery person).
    std::vector<FaceDescriptor> probes;
    std::uniform_int_distribution<size_t> pick(0, n - 1);
    for (int q = 0; q < queries; ++q) {
      const FaceDescriptor& base = templates[pick(rng)].descriptor;
      const FaceDescriptor noise = RandomUnitDescriptor(rng);
      FaceDescriptor probe;
      for (int i = 0; i < kDescriptorSize; ++i) probe[i] = base[i] + 0.4f * noise[i];
      probes.push_back(probe);
    }
    const std::vector<FaceDescriptor> singles(
        probes.begin(), probes.begin() + std::min<int>(single_queries, queries));

    const double rss_before = ResidentMiB();
    auto start = Clock::now();
    auto exact = FaceGallery::Build(templates, {.approximate_from = n + 1});
    const double exact_build = Seconds(start);
    const double exact_rss = ResidentMiB() - rss_before;
    start = Clock::now();
    auto truth = exact->SearchMany(probes, 10);
    const double exact_batch = Seconds(start);
    const Latency exact_latency = MeasureSingleQueries(*exact, singles);
    // Restart from a snapshot: what a clean stop writes and the next start reads.
    const std::filesystem::path exact_path =
        std::filesystem::path(snapshot_dir) / "encuentro-bench-exact.snapshot";
    start = Clock::now();
    if (!exact->SaveSnapshot(exact_path, "bench").ok()) return 1;
    const double exact_save = Seconds(start);
    start = Clock::now();
    std::string exact_watermark;
    if (!FaceGallery::LoadSnapshot(exact_path, {.approximate_from = n + 1}, &exact_watermark)
             .ok()) {
      return 1;
    }
    const double exact_load = Seconds(start);
    std::filesystem::remove(exact_path);
    std::printf("%9zu %7s %9.2f %9.3f %9.3f %10s %9.2f %9.2f %9.2f %9.0f\n", n, "exact",
                exact_build, exact_latency.p50_ms, exact_latency.p99_ms, "1.0000", exact_batch,
                exact_save, exact_load, exact_rss);
    std::fflush(stdout);
    exact.reset();
    if (ivf_lists > 0) MeasureIvf(templates, probes, truth, ivf_lists, single_queries);
    if (n > hnsw_max) continue;

    GalleryOptions options = hnsw;
    options.approximate_from = 1;
    const double rss_hnsw_before = ResidentMiB();
    start = Clock::now();
    auto approximate = FaceGallery::Build(templates, options);
    const double hnsw_build = Seconds(start);
    const double hnsw_rss = ResidentMiB() - rss_hnsw_before;
    start = Clock::now();
    auto found = approximate->SearchMany(probes, 10);
    const double hnsw_batch = Seconds(start);
    size_t agree = 0;
    for (size_t q = 0; q < probes.size(); ++q) {
      for (const auto& hit : found[q]) {
        for (const auto& t : truth[q]) agree += hit.id == t.id ? 1 : 0;
      }
    }
    const double recall = static_cast<double>(agree) / static_cast<double>(probes.size() * 10);
    const Latency hnsw_latency = MeasureSingleQueries(*approximate, singles);
    const auto path = std::filesystem::path(snapshot_dir) / "encuentro-gallery-bench.snapshot";
    start = Clock::now();
    if (!approximate->SaveSnapshot(path, "bench").ok()) return 1;
    const double save = Seconds(start);
    approximate.reset();
    start = Clock::now();
    std::string watermark;
    auto loaded = FaceGallery::LoadSnapshot(path, options, &watermark);
    const double load = Seconds(start);
    if (!loaded.ok()) return 1;
    std::filesystem::remove(path);
    std::printf("%9zu %7s %9.2f %9.3f %9.3f %10.4f %9.2f %9.2f %9.2f %9.0f\n", n, "hnsw",
                hnsw_build, hnsw_latency.p50_ms, hnsw_latency.p99_ms, recall, hnsw_batch, save,
                load, hnsw_rss);
    std::fflush(stdout);
  }
  return 0;
}
