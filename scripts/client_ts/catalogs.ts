// Compile-time check that the generated client types the realtime event catalog and the error-code registry.
// `tsc --strict` must accept this file (tests/e2e/test_ts_client.py): every branch below reads fields that
// exist only on that event type, so a loosely typed frame (`Record<string, unknown>`) or a plain-string
// `ErrorCode` would fail, and each `@ts-expect-error` fails the build if the line it marks ever compiles.
import type { Schemas } from "../../clients/ts/src/index.ts";

type Frame = Schemas["RealtimeFrame"];
type ErrorCode = Schemas["ErrorCode"];

/** A frame handler as a client writes it: narrowed by `type`, reading the top-level copies and `payload`. */
export function describe(frame: Frame): string {
  switch (frame.type) {
    case "message:new":
      return `message ${frame.message.id} in thread ${frame.payload.message.thread}`;
    case "message:status":
      return `message ${frame.message_id} ${frame.status} (event ${frame.id}, thread ${frame.payload.thread_id})`;
    case "message:reaction":
      return `${frame.emoji} ${frame.action} by ${frame.user_id}: ${frame.reactions.length} kinds`;
    case "typing":
      return `${frame.user_name} typing=${frame.is_typing} in ${frame.thread_id}`;
    case "notification:new":
      return frame.notification.summary;
    case "error": {
      const code: ErrorCode = frame.code;
      return `error ${code}${frame.status === 401 ? " (sign in again)" : ""}`;
    }
    case "resync_required":
      return frame.reason;
    default:
      return frame.type;
  }
}

export const expired: ErrorCode = "token_expired";
export const validation: Schemas["ErrorOut"]["code"] = "unknown_field";

// @ts-expect-error: not a registered error code
export const invented: ErrorCode = "no_such_code";

// @ts-expect-error: a message:status frame has no emoji
export const noEmoji = (frame: Schemas["MessageStatusFrame"]) => frame.emoji;

// @ts-expect-error: typing signals are ephemeral: they have no event id to resume from
export const noId = (frame: Schemas["TypingFrame"]): number => frame.id;
