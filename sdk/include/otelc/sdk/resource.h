/* Resource: the attributes describing the entity producing telemetry (service, process, host, OS).
 * Immutable after creation; thread-safe to read. */
#ifndef OTELC_SDK_RESOURCE_H
#define OTELC_SDK_RESOURCE_H

#include <stddef.h>

#include "otelc/attr.h"
#include "otelc/status.h"

OTELC_BEGIN_DECLS

typedef struct otelc_resource otelc_resource;

/* A resource with exactly these attributes (copied) and schema_url (may be NULL). NULL on OOM. */
OTELC_API otelc_resource *otelc_resource_create(const otelc_attr *attrs, size_t count, const char *schema_url);
/* The SDK default resource: service.name (OTEL_SERVICE_NAME, else service.name from
 * OTEL_RESOURCE_ATTRIBUTES, else "unknown_service:<executable>"), telemetry.sdk.{name,language,version},
 * process.{pid,executable.name,executable.path,command_line,runtime.*}, host.name, host.arch, os.type,
 * os.description, plus OTEL_RESOURCE_ATTRIBUTES (percent-decoded; a malformed entry is skipped with one
 * diagnostic). Caller owns it. */
OTELC_API otelc_resource *otelc_resource_default(void);
/* New resource: base's attributes updated by extra's (extra wins). Either may be NULL. */
OTELC_API otelc_resource *otelc_resource_merge(const otelc_resource *base, const otelc_resource *extra);
/* Borrowed attributes (valid while the resource lives) and schema URL ("" when none). */
OTELC_API const otelc_attr *otelc_resource_attributes(const otelc_resource *r, size_t *count);
OTELC_API const char *otelc_resource_schema_url(const otelc_resource *r);
/* Value of a string attribute, or NULL. */
OTELC_API const char *otelc_resource_get_str(const otelc_resource *r, const char *key);
OTELC_API void otelc_resource_destroy(otelc_resource *r);

OTELC_END_DECLS
#endif
