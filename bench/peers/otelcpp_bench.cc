// otelcpp-bench: otelc-bench's scenarios, with the same names and JSON lines (plus "peer"), against
// opentelemetry-cpp's SDK, so both can be compared in one run (scripts/bench.sh runs both). Same
// workload: start + 2 string, an int and a double attribute + end, a discarding exporter, default batch
// options. Built only with -DOTELC_BENCH_PEERS=ON and an installed opentelemetry-cpp; written against
// the 1.x API but never compiled in this repository's CI (opentelemetry-cpp is not packaged in Debian 12).
//
// Differences, by necessity: opentelemetry-cpp has no drop counter, so "dropped" is spans ended minus
// spans the exporter received after a flush; it has no context listener, so scope_switch_thread_ctx is
// reported unavailable; otlp_encode uses its OtlpRecordable + protobuf serialisation when the
// otlp_recordable target is installed.
#include <malloc.h>
#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "opentelemetry/nostd/shared_ptr.h"
#include "opentelemetry/sdk/resource/resource.h"
#include "opentelemetry/sdk/trace/batch_span_processor.h"
#include "opentelemetry/sdk/trace/batch_span_processor_options.h"
#include "opentelemetry/sdk/trace/exporter.h"
#include "opentelemetry/sdk/trace/samplers/always_off.h"
#include "opentelemetry/sdk/trace/samplers/always_on.h"
#include "opentelemetry/sdk/trace/simple_processor.h"
#include "opentelemetry/sdk/trace/span_data.h"
#include "opentelemetry/sdk/trace/tracer_provider.h"
#include "opentelemetry/trace/provider.h"
#include "opentelemetry/trace/scope.h"
#ifdef OTELCPP_BENCH_HAVE_OTLP
#include "opentelemetry/exporters/otlp/otlp_recordable.h"
#include "opentelemetry/exporters/otlp/otlp_recordable_utils.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#endif

namespace nostd = opentelemetry::nostd;
namespace trace_api = opentelemetry::trace;
namespace sdktrace = opentelemetry::sdk::trace;
namespace resource = opentelemetry::sdk::resource;

namespace {

int g_reps = 5;
uint64_t g_spans = 2000000;
double g_floor_ns = 0;
const char *g_only = nullptr;

uint64_t mono_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}
#define SINK(x) __asm__ volatile("" : : "r"(x) : "memory")

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

bool wanted(const char *name) { return !g_only || std::strcmp(g_only, name) == 0; }

void emit(const char *name, double value, const char *unit, long long dropped) {
  double ratio = -1;
  if (g_floor_ns > 0 && value > 0) {
    if (!std::strcmp(unit, "ns")) ratio = value / g_floor_ns;
    else if (!std::strcmp(unit, "spans/s")) ratio = (1e9 / value) / g_floor_ns;
  }
  std::printf("{\"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", \"floor_ns\": %.3f, \"ratio_to_floor\": ",
              name, value, unit, g_floor_ns);
  if (ratio >= 0) std::printf("%.3f", ratio);
  else std::printf("null");
  if (dropped >= 0) std::printf(", \"dropped\": %lld", dropped);
  else std::printf(", \"dropped\": null");
  std::printf(", \"peer\": \"opentelemetry-cpp\"}\n");
  std::fflush(stdout);
}

void emit_unavailable(const char *name, const char *why) {
  std::printf("{\"name\": \"%s\", \"value\": null, \"unit\": null, \"floor_ns\": %.3f, \"ratio_to_floor\": null, "
              "\"dropped\": null, \"peer\": \"opentelemetry-cpp\", \"unavailable\": \"%s\"}\n",
              name, g_floor_ns, why);
  std::fflush(stdout);
}

// ---- floor (identical to otelc-bench's) ----
thread_local uint64_t t_prng = 0x9E3779B97F4A7C15ull;
inline uint64_t wyrand() {
  t_prng += 0xa0761d6478bd642full;
  __uint128_t m = (__uint128_t)t_prng * (t_prng ^ 0xe7037ed1a0b428dbull);
  return uint64_t(m >> 64) ^ uint64_t(m);
}
double floor_once(uint64_t iters) {
  uint8_t ids[24];
  uint64_t t0 = mono_ns();
  for (uint64_t i = 0; i < iters; i++) {
    timespec a, b;
    clock_gettime(CLOCK_REALTIME, &a);
    uint64_t r0 = wyrand(), r1 = wyrand(), r2 = wyrand();
    std::memcpy(ids, &r0, 8);
    std::memcpy(ids + 8, &r1, 8);
    std::memcpy(ids + 16, &r2, 8);
    clock_gettime(CLOCK_REALTIME, &b);
    SINK(a.tv_nsec);
    SINK(b.tv_nsec);
    SINK(ids);
  }
  return double(mono_ns() - t0) / double(iters);
}

// ---- exporters ----
std::atomic<uint64_t> g_exported{0};

class DiscardExporter final : public sdktrace::SpanExporter {
 public:
  std::unique_ptr<sdktrace::Recordable> MakeRecordable() noexcept override {
#ifdef OTELCPP_BENCH_HAVE_OTLP
    if (otlp_) return std::unique_ptr<sdktrace::Recordable>(new opentelemetry::exporter::otlp::OtlpRecordable);
#endif
    return std::unique_ptr<sdktrace::Recordable>(new sdktrace::SpanData);
  }
  opentelemetry::sdk::common::ExportResult Export(
      const nostd::span<std::unique_ptr<sdktrace::Recordable>> &spans) noexcept override {
    g_exported.fetch_add(spans.size(), std::memory_order_relaxed);
    if (keep_) {
      for (auto &s : spans) keep_->push_back(std::move(s));
    }
    if (gate_) gate_->wait();
    return opentelemetry::sdk::common::ExportResult::kSuccess;
  }
  bool ForceFlush(std::chrono::microseconds) noexcept override { return true; }
  bool Shutdown(std::chrono::microseconds) noexcept override { return true; }

  struct Gate {
    std::mutex m;
    std::condition_variable cv;
    bool open = false;
    void wait() {
      std::unique_lock<std::mutex> l(m);
      cv.wait(l, [this] { return open; });
    }
    void release() {
      std::lock_guard<std::mutex> l(m);
      open = true;
      cv.notify_all();
    }
  };
  Gate *gate_ = nullptr;
  std::vector<std::unique_ptr<sdktrace::Recordable>> *keep_ = nullptr;
  bool otlp_ = false;
};

std::shared_ptr<sdktrace::TracerProvider> make_provider(std::unique_ptr<sdktrace::SpanProcessor> proc,
                                                        std::unique_ptr<sdktrace::Sampler> sampler) {
  auto p = std::make_shared<sdktrace::TracerProvider>(std::move(proc), resource::Resource::Create({}),
                                                      std::move(sampler));
  trace_api::Provider::SetTracerProvider(nostd::shared_ptr<trace_api::TracerProvider>(p));
  return p;
}

std::unique_ptr<sdktrace::SpanProcessor> batch(std::unique_ptr<DiscardExporter> e,
                                               sdktrace::BatchSpanProcessorOptions o = {}) {
  return std::unique_ptr<sdktrace::SpanProcessor>(new sdktrace::BatchSpanProcessor(std::move(e), o));
}

void uninstall(std::shared_ptr<sdktrace::TracerProvider> &p) {
  trace_api::Provider::SetTracerProvider(nostd::shared_ptr<trace_api::TracerProvider>(
      new trace_api::NoopTracerProvider()));
  if (p) p->Shutdown();
  p.reset();
}

nostd::shared_ptr<trace_api::Tracer> bench_tracer() {
  return trace_api::Provider::GetTracerProvider()->GetTracer("otelc-bench", "0.1.0");
}

inline void one_span(trace_api::Tracer &t) {
  auto s = t.StartSpan("GET /api/v1/orders");
  s->SetAttribute("http.request.method", "GET");
  s->SetAttribute("url.path", "/api/v1/orders");
  s->SetAttribute("http.response.status_code", int64_t(200));
  s->SetAttribute("server.duration_ratio", 0.25);
  s->End();
}

double spans_once(trace_api::Tracer &t, uint64_t n) {
  uint64_t t0 = mono_ns();
  for (uint64_t i = 0; i < n; i++) one_span(t);
  return double(mono_ns() - t0) / double(n);
}

double time_spans(trace_api::Tracer &t, uint64_t per_rep) {
  std::vector<double> v;
  spans_once(t, per_rep / 4 ? per_rep / 4 : 1);
  for (int r = 0; r < g_reps; r++) v.push_back(spans_once(t, per_rep));
  return median(v);
}

void bench_span(const char *name, bool batched, bool sampled, uint64_t total) {
  if (!wanted(name)) return;
  std::unique_ptr<sdktrace::Sampler> sampler;
  if (sampled) sampler.reset(new sdktrace::AlwaysOnSampler);
  else sampler.reset(new sdktrace::AlwaysOffSampler);
  std::unique_ptr<DiscardExporter> e(new DiscardExporter);
  std::unique_ptr<sdktrace::SpanProcessor> proc;
  if (batched) proc = batch(std::move(e));
  else proc.reset(new sdktrace::SimpleSpanProcessor(std::move(e)));
  auto p = make_provider(std::move(proc), std::move(sampler));
  auto t = bench_tracer();
  uint64_t per_rep = total / uint64_t(g_reps);
  uint64_t warm = per_rep / 4 ? per_rep / 4 : 1;
  p->ForceFlush();
  uint64_t e0 = g_exported.load();
  double ns = time_spans(*t, per_rep ? per_rep : 1);
  p->ForceFlush();
  uint64_t produced = sampled ? warm + per_rep * uint64_t(g_reps) : 0;
  long long dropped = sampled ? (long long)(produced - (g_exported.load() - e0)) : 0;
  uninstall(p);
  emit(name, ns, "ns", dropped);
}

void bench_two_threads() {
  const char *name = "span_sampled_attrs4_batch_2threads";
  if (!wanted(name)) return;
  auto p = make_provider(batch(std::unique_ptr<DiscardExporter>(new DiscardExporter)),
                         std::unique_ptr<sdktrace::Sampler>(new sdktrace::AlwaysOnSampler));
  auto t = bench_tracer();
  uint64_t per_thread = g_spans / uint64_t(g_reps) / 2;
  auto once = [&](uint64_t n) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> th;
    for (int i = 0; i < 2; i++)
      th.emplace_back([&] {
        ready++;
        while (!go.load()) {}
        for (uint64_t k = 0; k < n; k++) one_span(*t);
      });
    while (ready.load() < 2) {}
    uint64_t t0 = mono_ns();
    go = true;
    for (auto &x : th) x.join();
    return double(2 * n) * 1e9 / double(mono_ns() - t0);
  };
  once(per_thread / 4 ? per_thread / 4 : 1);
  p->ForceFlush();
  uint64_t e0 = g_exported.load();
  std::vector<double> v;
  for (int r = 0; r < g_reps; r++) v.push_back(once(per_thread));
  p->ForceFlush();
  long long dropped = (long long)(2 * per_thread * uint64_t(g_reps) - (g_exported.load() - e0));
  uninstall(p);
  emit(name, median(v), "spans/s", dropped);
}

void bench_scopes() {
  if (!wanted("scope_switch") && !wanted("scope_switch_thread_ctx")) return;
  if (wanted("scope_switch")) {
    auto p = make_provider(batch(std::unique_ptr<DiscardExporter>(new DiscardExporter)),
                           std::unique_ptr<sdktrace::Sampler>(new sdktrace::AlwaysOnSampler));
    auto t = bench_tracer();
    auto span = t->StartSpan("scope-target");
    auto once = [&](uint64_t n) {
      uint64_t t0 = mono_ns();
      for (uint64_t i = 0; i < n; i++) {
        trace_api::Scope s(span);
      }
      return double(mono_ns() - t0) / double(n);
    };
    once(500000);
    std::vector<double> v;
    for (int r = 0; r < g_reps; r++) v.push_back(once(2000000));
    span->End();
    uninstall(p);
    emit("scope_switch", median(v), "ns", -1);
  }
  if (wanted("scope_switch_thread_ctx"))
    emit_unavailable("scope_switch_thread_ctx", "opentelemetry-cpp has no context listener / thread-context mirror");
}

void bench_otlp_encode() {
  if (!wanted("otlp_encode")) return;
#ifdef OTELCPP_BENCH_HAVE_OTLP
  std::vector<std::unique_ptr<sdktrace::Recordable>> kept;
  std::unique_ptr<DiscardExporter> e(new DiscardExporter);
  e->keep_ = &kept;
  e->otlp_ = true;
  auto p = make_provider(std::unique_ptr<sdktrace::SpanProcessor>(new sdktrace::SimpleSpanProcessor(std::move(e))),
                         std::unique_ptr<sdktrace::Sampler>(new sdktrace::AlwaysOnSampler));
  auto t = bench_tracer();
  {
    auto root = t->StartSpan("request");
    trace_api::Scope s(root);
    for (int i = 0; i < 511; i++) one_span(*t);
    root->End();
  }
  nostd::span<std::unique_ptr<sdktrace::Recordable>> view(kept.data(), kept.size());
  std::string out;
  std::vector<double> v;
  for (int r = -1; r < g_reps; r++) {
    uint64_t t0 = mono_ns();
    for (int i = 0; i < 400; i++) {
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
      opentelemetry::exporter::otlp::OtlpRecordableUtils::PopulateRequest(view, &req);
      out.clear();
      req.SerializeToString(&out);
    }
    if (r >= 0) v.push_back(double(kept.size()) * 400 * 1e9 / double(mono_ns() - t0));
  }
  uninstall(p);
  emit("otlp_encode", median(v), "spans/s", -1);
  emit("otlp_encode_bytes", double(out.size()) / double(kept.size()), "B/span", -1);
#else
  emit_unavailable("otlp_encode", "opentelemetry-cpp::otlp_recordable not installed");
#endif
}

void bench_span_memory() {
  if (!wanted("span_memory")) return;
  const int N = 100000;
  DiscardExporter::Gate gate;
  std::unique_ptr<DiscardExporter> e(new DiscardExporter);
  e->gate_ = &gate;
  sdktrace::BatchSpanProcessorOptions o;
  o.max_queue_size = 1u << 17;
  o.max_export_batch_size = 512;
  o.schedule_delay_millis = std::chrono::milliseconds(60000);
  auto p = make_provider(batch(std::move(e), o), std::unique_ptr<sdktrace::Sampler>(new sdktrace::AlwaysOnSampler));
  auto t = bench_tracer();
  one_span(*t);
  auto heap = [] {
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
  };
  size_t h1 = heap();
  for (int i = 0; i < N; i++) one_span(*t);
  size_t h2 = heap();
  gate.release();
  uninstall(p);
  emit("span_memory", double(h2 > h1 ? h2 - h1 : 0) / N, "B/span", -1);
}

}  // namespace

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i++) {
    if (!std::strcmp(argv[i], "--spans")) g_spans = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--reps")) g_reps = std::max(1, std::min(63, std::atoi(argv[++i])));
    else if (!std::strcmp(argv[i], "--only")) g_only = argv[++i];
  }
  std::vector<double> v;
  floor_once(250000);
  for (int r = 0; r < g_reps; r++) v.push_back(floor_once(1000000));
  g_floor_ns = median(v);
  emit("floor", g_floor_ns, "ns", -1);

  bench_span("span_sampled_attrs4_batch", true, true, g_spans);
  bench_span("span_sampled_attrs4_simple", false, true, 1000000);
  bench_span("span_unsampled", true, false, 5000000);
  if (wanted("api_noop")) {
    trace_api::Provider::SetTracerProvider(
        nostd::shared_ptr<trace_api::TracerProvider>(new trace_api::NoopTracerProvider()));
    auto t = bench_tracer();
    emit("api_noop", time_spans(*t, 5000000), "ns", -1);
  }
  bench_two_threads();
  bench_scopes();
  bench_otlp_encode();
  bench_span_memory();
  return 0;
}
