/** The sensor's log: pino JSON lines on standard error. Tokens and passwords are redacted should one slip in. */
import { type DestinationStream, type Logger, pino } from "pino";

export type SensorLogger = Logger;

export function sensorLogger(level: string, destination?: DestinationStream): SensorLogger {
  return pino(
    {
      name: "strata-sensor",
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ["token", "password", "authorization", "*.token", "*.password"], censor: "[redacted]" },
    },
    destination ?? pino.destination({ dest: 2, sync: true }),
  );
}
