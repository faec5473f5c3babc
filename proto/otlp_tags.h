/* Short names for the generated nanopb field tags of the OTLP trace messages, shared by the exporter's
 * encoder and response decoder and by the receiver's decoder, so all read field numbers from the same
 * generated headers.
 * Private to the build (not installed). */
#ifndef OTELC_PROTO_OTLP_TAGS_H
#define OTELC_PROTO_OTLP_TAGS_H

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#define T_RESP(f) opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_##f##_tag
#define T_PSUCC(f) opentelemetry_proto_collector_trace_v1_ExportTracePartialSuccess_##f##_tag
#define T_REQ(f) opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_##f##_tag
#define T_RS(f) opentelemetry_proto_trace_v1_ResourceSpans_##f##_tag
#define T_SS(f) opentelemetry_proto_trace_v1_ScopeSpans_##f##_tag
#define T_SPAN(f) opentelemetry_proto_trace_v1_Span_##f##_tag
#define T_EV(f) opentelemetry_proto_trace_v1_Span_Event_##f##_tag
#define T_LINK(f) opentelemetry_proto_trace_v1_Span_Link_##f##_tag
#define T_STATUS(f) opentelemetry_proto_trace_v1_Status_##f##_tag
#define T_RES(f) opentelemetry_proto_resource_v1_Resource_##f##_tag
#define T_SCOPE(f) opentelemetry_proto_common_v1_InstrumentationScope_##f##_tag
#define T_KV(f) opentelemetry_proto_common_v1_KeyValue_##f##_tag
#define T_ANY(f) opentelemetry_proto_common_v1_AnyValue_##f##_tag
#define T_ARR(f) opentelemetry_proto_common_v1_ArrayValue_##f##_tag
#define T_KVL(f) opentelemetry_proto_common_v1_KeyValueList_##f##_tag

#endif
