/* Receiver output formats. Both write to f and flush it. */
#ifndef OTELC_RECEIVER_PRINT_H
#define OTELC_RECEIVER_PRINT_H

#include <stdio.h>

#include "model.h"

void rcv_print_tree(FILE *f, const rcv_request *r);
void rcv_print_json_lines(FILE *f, const rcv_request *r);

#endif
