// otelcpp-bench: otelc-bench's scenarios, with the same names and JSON lines (plus "peer"), against
// opentelemetry-cpp's SDK (1.x; built and run against Debian 13's 1.19.0), so both can be compared side
// by side (bench/peers/run.sh, or scripts/bench.sh with -DOTELC_BENCH_PEERS=ON). Each scenario is
// otelc-bench's (bench/otelc_bench.c): the same floor code, the same span workload (start
// "GET /api/v1/orders" + 2 string, an int and a double attribute + end), a discarding exporter, default
// batch options (2048 / 5000 ms / 512, the same defaults in both SDKs), the same counts, warm-ups,
// repetitions and medians, and the same command line.
//
// Differences, by necessity:
//  - "dropped": opentelemetry-cpp has no drop counter. Its batch processor logs "queue is full -
//    dropping span" through the SDK's internal log handler for each span it drops (a Warning, which
//    the default level lets through); this program installs a handler that counts those (and passes
//    any other message to stderr), so "dropped" is the spans dropped during the timed repetitions, as
//    in otelc-bench. A drop still costs the producer the SDK's formatting of the message, but not the
//    default handler's formatting again and write to std::cerr.
//  - the recordable (opentelemetry-cpp's per-span storage) of the discarding exporter is SpanData, its
//    plainest one; the exporter drops the batch without reading it, as otelc-bench's does.
//  - scope_switch_thread_ctx: opentelemetry-cpp has no context listener, so it is reported unavailable.
//  - otlp_encode: OtlpRecordable spans turned into a request and serialized the way its OTLP/HTTP
//    exporter does (OtlpRecordableUtils::PopulateRequest on an arena, then protobuf serialization).
#include <malloc.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "opentelemetry/nostd/shared_ptr.h"
#include "opentelemetry/sdk/common/global_log_handler.h"
#include "opentelemetry/sdk/resource/resource.h"
#include "opentelemetry/sdk/trace/batch_span_processor.h"
#include "opentelemetry/sdk/trace/batch_span_processor_options.h"
#include "opentelemetry/sdk/trace/exporter.h"
#include "opentelemetry/sdk/trace/processor.h"
#include "opentelemetry/sdk/trace/samplers/always_off.h"
#include "opentelemetry/sdk/trace/samplers/always_on.h"
#include "opentelemetry/sdk/trace/simple_processor.h"
#include "opentelemetry/sdk/trace/span_data.h"
#include "opentelemetry/sdk/trace/tracer_provider.h"
#include "opentelemetry/trace/noop.h"
#include "opentelemetry/trace/provider.h"
#include "opentelemetry/trace/scope.h"
#include "opentelemetry/version.h"
#ifdef OTELCPP_BENCH_HAVE_OTLP
#include <google/protobuf/arena.h>

#include "opentelemetry/exporters/otlp/otlp_recordable.h"
#include "opentelemetry/exporters/otlp/otlp_recordable_utils.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#endif
#ifdef OTELCPP_BENCH_HAVE_ZLIB
#include <zlib.h>
#endif

namespace nostd = opentelemetry::nostd;
namespace trace_api = opentelemetry::trace;
namespace sdktrace = opentelemetry::sdk::trace;
namespace resource = opentelemetry::sdk::resource;
namespace internal_log = opentelemetry::sdk::common::internal_log;

namespace {

// ---- configuration (otelc-bench's command line) ----

struct Config {
  uint64_t spans = 2000000;
  int reps = 5;
  double scale = 1.0;
  const char *only = nullptr;
  bool summary = true;
} g_cfg;

// ---- time and helpers ----

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

uint64_t scaled(uint64_t n) {
  uint64_t r = uint64_t(double(n) * g_cfg.scale);
  return r ? r : 1;
}

bool wanted(const char *name) { return !g_cfg.only || std::strcmp(g_cfg.only, name) == 0; }

// CPU time (user + system) of the whole process and of the calling thread, in ns; -1 if unknown.
struct CpuTimes {
  double process = -1, thread = -1;
};
double tv_ns(timeval tv) { return double(tv.tv_sec) * 1e9 + double(tv.tv_usec) * 1e3; }
CpuTimes cpu_now() {
  CpuTimes c;
  rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) == 0) c.process = tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime);
#ifdef RUSAGE_THREAD
  if (getrusage(RUSAGE_THREAD, &ru) == 0) c.thread = tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime);
#endif
  return c;
}

// ---- output: otelc-bench's JSON lines, plus "peer" ----

double g_floor_ns = 0;

struct Result {
  std::string name;
  double value;
  std::string unit;
  double ratio;
};
std::vector<Result> g_results;

void json_string(const char *s) {
  std::putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') std::putchar('\\');
    std::putchar(*s);
  }
  std::putchar('"');
}

void emit(const char *name, double value, const char *unit, long long dropped, const char *note = nullptr) {
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
  if (note) {
    std::printf(", \"note\": ");
    json_string(note);
  }
  std::printf(", \"peer\": \"opentelemetry-cpp\"}\n");
  std::fflush(stdout);
  g_results.push_back({name, value, unit, ratio});
}

void emit_unavailable(const char *name, const char *why) {
  std::printf("{\"name\": \"%s\", \"value\": null, \"unit\": null, \"floor_ns\": %.3f, \"ratio_to_floor\": null, "
              "\"dropped\": null, \"unavailable\": ",
              name, g_floor_ns);
  json_string(why);
  std::printf(", \"peer\": \"opentelemetry-cpp\"}\n");
  std::fflush(stdout);
}

// ---- the floor (otelc-bench's, character for character) ----

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

void bench_floor() {
  uint64_t n = scaled(1000000);
  std::vector<double> v;
  floor_once(n / 4 ? n / 4 : 1);
  for (int r = 0; r < g_cfg.reps; r++) v.push_back(floor_once(n));
  g_floor_ns = median(v);
  emit("floor", g_floor_ns, "ns", -1);
}

// ---- drops: counted from the batch processor's own warning ----

std::atomic<uint64_t> g_dropped{0};

class DropCountingLogHandler final : public internal_log::LogHandler {
 public:
  void Handle(internal_log::LogLevel level, const char *file, int line, const char *msg,
              const opentelemetry::sdk::common::AttributeMap &) noexcept override {
    if (msg && std::strstr(msg, "dropping span")) {
      g_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    std::fprintf(stderr, "otelcpp-bench: [opentelemetry-cpp %s] %s (%s:%d)\n",
                 internal_log::LevelToString(level).c_str(), msg ? msg : "", file ? file : "?", line);
  }
};

uint64_t dropped_now() { return g_dropped.load(std::memory_order_relaxed); }

// ---- exporters, processors and providers ----

// Discards without reading the spans (otelc-bench's discard exporter).
class DiscardExporter final : public sdktrace::SpanExporter {
 public:
  std::unique_ptr<sdktrace::Recordable> MakeRecordable() noexcept override {
    return std::unique_ptr<sdktrace::Recordable>(new sdktrace::SpanData);
  }
  opentelemetry::sdk::common::ExportResult Export(
      const nostd::span<std::unique_ptr<sdktrace::Recordable>> &spans) noexcept override {
    size_t n = spans.size();
    SINK(n);
    return opentelemetry::sdk::common::ExportResult::kSuccess;
  }
  bool ForceFlush(std::chrono::microseconds) noexcept override { return true; }
  bool Shutdown(std::chrono::microseconds) noexcept override { return true; }
};

// An exporter whose export blocks until released: keeps every queued span alive (span_memory).
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
class GatedExporter final : public sdktrace::SpanExporter {
 public:
  explicit GatedExporter(Gate *g) : gate_(g) {}
  std::unique_ptr<sdktrace::Recordable> MakeRecordable() noexcept override {
    return std::unique_ptr<sdktrace::Recordable>(new sdktrace::SpanData);
  }
  opentelemetry::sdk::common::ExportResult Export(
      const nostd::span<std::unique_ptr<sdktrace::Recordable>> &) noexcept override {
    gate_->wait();
    return opentelemetry::sdk::common::ExportResult::kSuccess;
  }
  bool ForceFlush(std::chrono::microseconds) noexcept override { return true; }
  bool Shutdown(std::chrono::microseconds) noexcept override { return true; }

 private:
  Gate *gate_;
};

// A processor that keeps nothing: each span's recordable is freed on the thread that ends it, with no
// queue and no worker (otelc-bench's keep_nothing processor; the noproc scenarios).
class KeepNothingProcessor final : public sdktrace::SpanProcessor {
 public:
  std::unique_ptr<sdktrace::Recordable> MakeRecordable() noexcept override {
    return std::unique_ptr<sdktrace::Recordable>(new sdktrace::SpanData);
  }
  void OnStart(sdktrace::Recordable &, const trace_api::SpanContext &) noexcept override {}
  void OnEnd(std::unique_ptr<sdktrace::Recordable> &&) noexcept override {}
  bool ForceFlush(std::chrono::microseconds) noexcept override { return true; }
  bool Shutdown(std::chrono::microseconds) noexcept override { return true; }
};

#ifdef OTELCPP_BENCH_HAVE_OTLP
// Keeps every ended span as an OtlpRecordable, so the encoder sees real SDK spans (otlp_encode).
class CaptureProcessor final : public sdktrace::SpanProcessor {
 public:
  explicit CaptureProcessor(std::vector<std::unique_ptr<sdktrace::Recordable>> *kept) : kept_(kept) {}
  std::unique_ptr<sdktrace::Recordable> MakeRecordable() noexcept override {
    return std::unique_ptr<sdktrace::Recordable>(new opentelemetry::exporter::otlp::OtlpRecordable);
  }
  void OnStart(sdktrace::Recordable &, const trace_api::SpanContext &) noexcept override {}
  void OnEnd(std::unique_ptr<sdktrace::Recordable> &&span) noexcept override { kept_->push_back(std::move(span)); }
  bool ForceFlush(std::chrono::microseconds) noexcept override { return true; }
  bool Shutdown(std::chrono::microseconds) noexcept override { return true; }

 private:
  std::vector<std::unique_ptr<sdktrace::Recordable>> *kept_;
};
#endif

std::shared_ptr<sdktrace::TracerProvider> make_provider(std::unique_ptr<sdktrace::SpanProcessor> proc,
                                                        std::unique_ptr<sdktrace::Sampler> sampler) {
  auto p = std::make_shared<sdktrace::TracerProvider>(std::move(proc), resource::Resource::Create({}),
                                                      std::move(sampler));
  trace_api::Provider::SetTracerProvider(nostd::shared_ptr<trace_api::TracerProvider>(p));
  return p;
}

std::unique_ptr<sdktrace::Sampler> always_on() { return std::unique_ptr<sdktrace::Sampler>(new sdktrace::AlwaysOnSampler); }
std::unique_ptr<sdktrace::Sampler> always_off() {
  return std::unique_ptr<sdktrace::Sampler>(new sdktrace::AlwaysOffSampler);
}

std::unique_ptr<sdktrace::SpanProcessor> batch(std::unique_ptr<sdktrace::SpanExporter> e,
                                               const sdktrace::BatchSpanProcessorOptions &o = {}) {
  return std::unique_ptr<sdktrace::SpanProcessor>(new sdktrace::BatchSpanProcessor(std::move(e), o));
}

std::unique_ptr<sdktrace::SpanExporter> discard() { return std::unique_ptr<sdktrace::SpanExporter>(new DiscardExporter); }

// Uninstalls and shuts the provider down (which flushes the batch processor's queue).
void teardown(std::shared_ptr<sdktrace::TracerProvider> &p) {
  trace_api::Provider::SetTracerProvider(
      nostd::shared_ptr<trace_api::TracerProvider>(new trace_api::NoopTracerProvider()));
  if (p) p->Shutdown();
  p.reset();
}

// Instrumentation gets its tracer from the global provider, as libraries do.
nostd::shared_ptr<trace_api::Tracer> bench_tracer() {
  return trace_api::Provider::GetTracerProvider()->GetTracer("otelc-bench", "0.1.0");
}

// ---- the span workload: start + 2 strings, an int, a double + end ----

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

// Warm-up, then reps x per_rep spans; the median ns/span, the drops while timed and (when other_cpu_ns
// is given) the CPU time per span of the process's other threads meanwhile: the batch worker.
double time_spans(trace_api::Tracer &t, uint64_t per_rep, long long *dropped, double *other_cpu_ns) {
  std::vector<double> v;
  spans_once(t, per_rep / 4 ? per_rep / 4 : 1);
  uint64_t d0 = dropped_now();
  CpuTimes c0 = cpu_now();
  for (int r = 0; r < g_cfg.reps; r++) v.push_back(spans_once(t, per_rep));
  CpuTimes c1 = cpu_now();
  if (dropped) *dropped = (long long)(dropped_now() - d0);
  if (other_cpu_ns) {
    *other_cpu_ns = -1;
    if (c0.process >= 0 && c0.thread >= 0) {
      double other = (c1.process - c0.process) - (c1.thread - c0.thread);
      *other_cpu_ns = (other > 0 ? other : 0) / (double(per_rep) * g_cfg.reps);
    }
  }
  return median(v);
}

void bench_span(const char *name, bool batched, bool sampled, uint64_t total) {
  if (!wanted(name)) return;
  std::unique_ptr<sdktrace::SpanProcessor> proc;
  if (batched) proc = batch(discard());
  else proc.reset(new sdktrace::SimpleSpanProcessor(discard()));
  auto p = make_provider(std::move(proc), sampled ? always_on() : always_off());
  uint64_t per_rep = total / uint64_t(g_cfg.reps);
  long long dropped = 0;
  double other_cpu = -1;
  double ns = time_spans(*bench_tracer(), per_rep ? per_rep : 1, &dropped, &other_cpu);
  teardown(p);
  emit(name, ns, "ns", dropped);
  if (batched && !std::strcmp(name, "span_sampled_attrs4_batch")) {
    if (other_cpu >= 0)
      emit("batch_worker_cpu", other_cpu, "ns", -1,
           "CPU time per span of the threads other than the producer (the batch worker) during "
           "span_sampled_attrs4_batch, from getrusage");
    else
      emit_unavailable("batch_worker_cpu", "no per-thread CPU time on this system");
  }
}

void bench_api_noop() {
  if (!wanted("api_noop")) return;
  trace_api::Provider::SetTracerProvider(
      nostd::shared_ptr<trace_api::TracerProvider>(new trace_api::NoopTracerProvider()));
  emit("api_noop", time_spans(*bench_tracer(), scaled(5000000), nullptr, nullptr), "ns", -1);
}

// ---- two producer threads (otelc-bench's: both run for the same window) ----

struct Producer {
  std::thread th;
  uint64_t spans = 0, end_ns = 0;
  double cpu_ns = -1;
};

double two_threads_once(trace_api::Tracer &t, uint64_t window_ns, double *cpu_per_span) {
  Producer pr[2];
  std::atomic<int> ready{0};
  std::atomic<bool> go{false}, stop{false};
  for (auto &p : pr)
    p.th = std::thread([&t, &ready, &go, &stop, &p] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) {}
      double c0 = cpu_now().thread;
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        for (int i = 0; i < 64; i++) one_span(t);
        n += 64;
      }
      p.end_ns = mono_ns();
      double c1 = cpu_now().thread;
      p.cpu_ns = c0 >= 0 && c1 >= 0 ? c1 - c0 : -1;
      p.spans = n;
    });
  while (ready.load() < 2) {}
  uint64_t t0 = mono_ns();
  go.store(true, std::memory_order_release);
  std::this_thread::sleep_for(std::chrono::nanoseconds(window_ns));
  stop.store(true, std::memory_order_relaxed);
  uint64_t last = t0, spans = 0;
  double cpu = 0;
  for (auto &p : pr) {
    p.th.join();
    last = std::max(last, p.end_ns);
    spans += p.spans;
    cpu = cpu >= 0 && p.cpu_ns >= 0 ? cpu + p.cpu_ns : -1;
  }
  if (cpu_per_span) *cpu_per_span = cpu >= 0 && spans ? cpu / double(spans) : -1;
  return double(spans) * 1e9 / double(last - t0);
}

// The window of one repetition: as long as per_rep spans take at 10M spans/s (40 ms by default).
uint64_t two_thread_window_ns(uint64_t per_rep) { return per_rep ? per_rep * 100u : 100u; }

double time_two_threads(trace_api::Tracer &t, uint64_t per_rep, long long *dropped, double *cpu_per_span) {
  std::vector<double> v, c;
  two_threads_once(t, two_thread_window_ns(per_rep / 4), nullptr);
  uint64_t d0 = dropped_now();
  for (int r = 0; r < g_cfg.reps; r++) {
    double cpu = -1;
    v.push_back(two_threads_once(t, two_thread_window_ns(per_rep), &cpu));
    c.push_back(cpu);
  }
  if (dropped) *dropped = (long long)(dropped_now() - d0);
  if (cpu_per_span) *cpu_per_span = median(c);
  return median(v);
}

void bench_two_threads() {
  const char *name = "span_sampled_attrs4_batch_2threads";
  if (!wanted(name)) return;
  auto p = make_provider(batch(discard()), always_on());
  uint64_t per_rep = g_cfg.spans / uint64_t(g_cfg.reps);
  long long dropped = 0;
  double cpu = -1;
  double v = time_two_threads(*bench_tracer(), per_rep, &dropped, &cpu);
  teardown(p);
  char note[160];
  std::snprintf(note, sizeof note, "2 threads for %.0f ms per repetition; producers' CPU time %.1f ns/span",
                double(two_thread_window_ns(per_rep)) / 1e6, cpu);
  emit(name, v, "spans/s", dropped, note);
}

void bench_noproc() {
  const char *one = "span_sampled_attrs4_noproc", *two = "span_sampled_attrs4_noproc_2threads";
  if (!wanted(one) && !wanted(two)) return;
  auto p = make_provider(std::unique_ptr<sdktrace::SpanProcessor>(new KeepNothingProcessor), always_on());
  uint64_t per_rep = g_cfg.spans / uint64_t(g_cfg.reps);
  auto t = bench_tracer();
  double ns = time_spans(*t, per_rep ? per_rep : 1, nullptr, nullptr);
  emit(one, ns, "ns", -1, "the span workload with a processor that keeps nothing: reference for the next line");
  double cpu = -1;
  double v = time_two_threads(*t, per_rep, nullptr, &cpu);
  teardown(p);
  char note[160];
  std::snprintf(note, sizeof note,
                "the same on 2 threads: this machine's ceiling for 2-thread scaling; producers' CPU time %.1f ns/span",
                cpu);
  emit(two, v, "spans/s", -1, note);
}

// ---- scope switches ----

void bench_scopes() {
  bool a = wanted("scope_switch"), b = wanted("scope_switch_thread_ctx");
  if (!a && !b) return;
  if (a) {
    auto p = make_provider(batch(discard()), always_on());
    auto span = bench_tracer()->StartSpan("scope-target");
    auto once = [&](uint64_t n) {
      uint64_t t0 = mono_ns();
      for (uint64_t i = 0; i < n; i++) {
        trace_api::Scope s(span);
      }
      return double(mono_ns() - t0) / double(n);
    };
    uint64_t n = scaled(2000000);
    once(n / 4 ? n / 4 : 1);
    std::vector<double> v;
    for (int r = 0; r < g_cfg.reps; r++) v.push_back(once(n));
    span->End();
    teardown(p);
    emit("scope_switch", median(v), "ns", -1);
  }
  if (b) emit_unavailable("scope_switch_thread_ctx", "opentelemetry-cpp has no context listener / thread-context mirror");
}

// ---- OTLP encoding ----

#ifdef OTELCPP_BENCH_HAVE_ZLIB
// Compressed size with otelc's OTLP exporter settings (gzip, level 6); -1 on failure.
long gzip_size(const std::string &buf) {
  z_stream z;
  std::memset(&z, 0, sizeof z);
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
  std::string out(deflateBound(&z, uLong(buf.size())), '\0');
  z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(buf.data()));
  z.avail_in = uInt(buf.size());
  z.next_out = reinterpret_cast<Bytef *>(&out[0]);
  z.avail_out = uInt(out.size());
  long r = deflate(&z, Z_FINISH) == Z_STREAM_END ? long(z.total_out) : -1;
  deflateEnd(&z);
  return r;
}
#endif

void bench_otlp_encode() {
  if (!wanted("otlp_encode")) return;
#ifdef OTELCPP_BENCH_HAVE_OTLP
  namespace otlp = opentelemetry::exporter::otlp;
  using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
  const int kBatch = 512;
  std::vector<std::unique_ptr<sdktrace::Recordable>> kept;
  kept.reserve(kBatch);
  auto p = make_provider(std::unique_ptr<sdktrace::SpanProcessor>(new CaptureProcessor(&kept)), always_on());
  auto t = bench_tracer();
  // Typical spans: children of one request span, the same four attributes as the span scenarios.
  auto produce = [&] {
    kept.clear();
    auto root = t->StartSpan("request");
    trace_api::Scope s(root);
    for (int i = 0; i < kBatch - 1; i++) one_span(*t);
    root->End();
  };
  // What OtlpHttpExporter::Export does: the request on an arena with its options, filled by
  // PopulateRequest; then the HTTP client's serialization (size, then bytes into one buffer).
  // PopulateRequest consumes the recordables (it takes them over and moves their spans into the
  // request), so each encoding gets 512 fresh ones, made outside the timed part.
  std::string out;
  size_t arena_bytes = 0;
  auto encode = [&] {
    nostd::span<std::unique_ptr<sdktrace::Recordable>> view(kept.data(), kept.size());
    google::protobuf::ArenaOptions ao;
    ao.initial_block_size = 1024;
    ao.max_block_size = 65536;
    google::protobuf::Arena arena{ao};
    auto *req = google::protobuf::Arena::CreateMessage<ExportTraceServiceRequest>(&arena);
    otlp::OtlpRecordableUtils::PopulateRequest(view, req);
    out.resize(req->ByteSizeLong());
    req->SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t *>(&out[0]));
    arena_bytes = size_t(arena.SpaceAllocated());
  };
  uint64_t iters = scaled(400);
  size_t n = 0;
  auto measure = [&] {
    std::vector<double> v;
    for (int r = -1; r < g_cfg.reps; r++) {  // r == -1: warm-up
      uint64_t ns = 0;
      for (uint64_t i = 0; i < iters; i++) {
        produce();
        n = kept.size();
        uint64_t t0 = mono_ns();
        encode();
        SINK(out.data());
        ns += mono_ns() - t0;
      }
      if (r >= 0) v.push_back(double(n * iters) * 1e9 / double(ns));
    }
    return median(v);
  };
  double rate = measure();
  // Each encoding frees 512 recordables and its arena; glibc's malloc then gives the heap
  // top back to the system (brk) and faults it in again on the next request, which on a VM can cost
  // more than the encoding. The figure above is that default; the note gives the same with trimming
  // off, to show the split (restored afterwards).
  char note[256] = "";
#ifdef M_TRIM_THRESHOLD
  if (mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1) {
    double untrimmed = measure();
    mallopt(M_TRIM_THRESHOLD, 128 * 1024);
    std::snprintf(note, sizeof note,
                  "%.3g spans/s with glibc malloc's heap trimming off (M_TRIM_THRESHOLD): each request frees its "
                  "recordables and its %zu KB arena, and the default gives the heap top back and faults it in again",
                  untrimmed, arena_bytes / 1024);
  }
#endif
  // The bytes must be what they claim: one resource, one scope, every span with its attributes.
  ExportTraceServiceRequest check;
  bool ok = check.ParseFromString(out) && check.resource_spans_size() == 1 &&
            check.resource_spans(0).scope_spans_size() == 1 &&
            check.resource_spans(0).scope_spans(0).spans_size() == kBatch && n == size_t(kBatch) &&
            check.resource_spans(0).scope_spans(0).spans(0).name() == "GET /api/v1/orders" &&
            check.resource_spans(0).scope_spans(0).spans(0).attributes_size() == 4;
  teardown(p);
  if (!ok) {
    emit_unavailable("otlp_encode", "the encoded request did not parse back to the 512 spans");
    return;
  }
  emit("otlp_encode", rate, "spans/s", -1, note[0] ? note : nullptr);
  emit("otlp_encode_bytes", double(out.size()) / double(n), "B/span", -1,
       "bytes per span of the 512-span request, resource and scope included");
#ifdef OTELCPP_BENCH_HAVE_ZLIB
  long gz = gzip_size(out);
  if (gz > 0)
    emit("otlp_encode_bytes_gzip", double(gz) / double(n), "B/span", -1,
         "the same request gzip-compressed with otelc's exporter settings (level 6)");
#endif
#elif defined(OTELCPP_BENCH_NO_OTLP_WHY)
  emit_unavailable("otlp_encode", OTELCPP_BENCH_NO_OTLP_WHY);
#else
  emit_unavailable("otlp_encode", "opentelemetry-cpp::otlp_recordable not built in");
#endif
}

// ---- memory held per queued span ----

size_t heap_in_use() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

void bench_span_memory() {
  if (!wanted("span_memory")) return;
  const int N = 100000;
  Gate gate;
  sdktrace::BatchSpanProcessorOptions o;
  o.max_queue_size = 1u << 17;  // > N: nothing is dropped
  o.max_export_batch_size = 512;
  o.schedule_delay_millis = std::chrono::milliseconds(60000);
  size_t h0 = heap_in_use();
  auto p = make_provider(batch(std::unique_ptr<sdktrace::SpanExporter>(new GatedExporter(&gate)), o), always_on());
  auto t = bench_tracer();
  one_span(*t);  // first-use allocations stay out of the delta
  size_t h1 = heap_in_use();
  uint64_t d0 = dropped_now();
  for (int i = 0; i < N; i++) one_span(*t);
  size_t h2 = heap_in_use();
  long long dropped = (long long)(dropped_now() - d0);
  gate.release();
  teardown(p);
  char note[160];
  std::snprintf(note, sizeof note, "mallinfo2 delta over %d queued spans; fixed queue cost %.1f B/slot not included",
                N, double(h1 > h0 ? h1 - h0 : 0) / double(o.max_queue_size));
  emit("span_memory", double(h2 > h1 ? h2 - h1 : 0) / N, "B/span", dropped, note);
}

void print_summary() {
  std::fprintf(stderr, "\notelcpp-bench summary: opentelemetry-cpp %s (floor = %.1f ns, measured in this process)\n",
               OPENTELEMETRY_VERSION, g_floor_ns);
  for (const auto &r : g_results) {
    if (r.ratio >= 0)
      std::fprintf(stderr, "  %-36s %12.4g %-8s %.2fx floor\n", r.name.c_str(), r.value, r.unit.c_str(), r.ratio);
    else
      std::fprintf(stderr, "  %-36s %12.4g %-8s\n", r.name.c_str(), r.value, r.unit.c_str());
  }
  std::fprintf(stderr, "  figures are medians of %d repetitions after a warm-up\n", g_cfg.reps);
}

void usage() {
  std::fprintf(stderr,
               "usage: otelcpp-bench [--spans N] [--reps N] [--scale F] [--only NAME] [--no-summary]\n"
               "  otelc-bench's scenarios and options, against opentelemetry-cpp %s\n",
               OPENTELEMETRY_VERSION);
}

}  // namespace

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (!std::strcmp(a, "--spans") && v) { g_cfg.spans = std::strtoull(v, nullptr, 10); i++; }
    else if (!std::strcmp(a, "--reps") && v) { g_cfg.reps = std::atoi(v); i++; }
    else if (!std::strcmp(a, "--scale") && v) { g_cfg.scale = std::atof(v); i++; }
    else if (!std::strcmp(a, "--only") && v) { g_cfg.only = v; i++; }
    else if (!std::strcmp(a, "--no-summary")) g_cfg.summary = false;
    else if (!std::strcmp(a, "--summary")) g_cfg.summary = true;
    else { usage(); return !std::strcmp(a, "--help") || !std::strcmp(a, "-h") ? 0 : 2; }
  }
  g_cfg.reps = std::max(1, std::min(63, g_cfg.reps));
  if (g_cfg.scale <= 0) g_cfg.scale = 1.0;
  if (g_cfg.spans < uint64_t(g_cfg.reps)) g_cfg.spans = uint64_t(g_cfg.reps);

  internal_log::GlobalLogHandler::SetLogHandler(
      nostd::shared_ptr<internal_log::LogHandler>(new DropCountingLogHandler));
  if (internal_log::GlobalLogHandler::GetLogLevel() < internal_log::LogLevel::Warning)
    internal_log::GlobalLogHandler::SetLogLevel(internal_log::LogLevel::Warning);  // drops are warnings

  bench_floor();
  bench_span("span_sampled_attrs4_batch", true, true, g_cfg.spans);
  bench_span("span_sampled_attrs4_simple", false, true, scaled(1000000));
  bench_span("span_unsampled", true, false, scaled(5000000));
  bench_api_noop();
  bench_two_threads();
  bench_noproc();
  bench_scopes();
  bench_otlp_encode();
  bench_span_memory();
  if (g_cfg.summary) print_summary();
  return 0;
}
