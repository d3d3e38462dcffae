/* Layer directory verification, for the store check. */
#ifndef ENGINE_IMAGE_VERIFY_H
#define ENGINE_IMAGE_VERIFY_H

#include <json-c/json.h>

#include <engine/context.h>

/* Compare layers/<chain>/diff with the blob named in its record @rec;
 * each difference becomes a line appended to @problems. Returns 0 unless
 * the check itself fails (out of memory). */
int engine__layer_verify(engine_context *ctx, const char *chain_id, json_object *rec, char ***problems);

#endif
