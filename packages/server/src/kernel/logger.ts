import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

/** Structured JSON logs (pino). Secrets never reach a log line. */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  return pino({
    level,
    base: { service: 'jiaozi' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.currentPassword',
        '*.newPassword',
        '*.pin',
        '*.token',
      ],
      censor: '[redacted]',
    },
    ...options,
  });
}
