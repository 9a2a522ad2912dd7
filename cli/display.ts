/**
 * `drukte display`: a public display for one sensor, fed by the gateway (what it accepted, never the sensor itself):
 * the register entry, the last hour and the live event stream over HTTP(S) (display/feed.ts). Draws on a terminal
 * (--tty) or an HD44780 character LCD on the Pi's GPIO (--lcd hd44780). The web kiosk page is /display/{id} on the
 * gateway.
 */
import { systemClock } from '../shared/clock.ts';
import { GpioUnavailable } from '../hardware/bindings/gpio-chip.ts';
import { onoffGpioOutputBinding } from '../hardware/bindings/gpio-output.ts';
import { systemTimers } from '../shared/timers.ts';
import { DEFAULT_PINS, Hd44780, Hd44780Error, parsePins, pinsText } from '../hardware/hd44780/driver.ts';
import { GatewayFeed } from '../display/feed.ts';
import { DEFAULT_PAGE_MS, LcdRotation } from '../display/lcd.ts';
import { TtyRenderer } from '../display/tty.ts';
import { CliError, parse } from '../shared/args.ts';

const HELP = `usage: drukte display --gateway URL --sensor ID (--tty | --lcd hd44780 [LCD options])

  --gateway       the gateway's public URL, e.g. https://drukte.voorbeeld.nl (default http://localhost:8080)
  --sensor        the sensor to show
  --tty           draw on this terminal (HDMI console, SSH), redrawn in place; NO_COLOR=1 for no colours
  --lcd hd44780   draw on a 16×2 or 20×4 character LCD, 4-bit mode over GPIO (R/W to ground)
  --cols 16|20    LCD columns (default 20)
  --rows 2|4      LCD rows (default 4)
  --pins LIST     BCM pins, default ${pinsText(DEFAULT_PINS)}
  --chip-label L  gpiochip with the header pins (default: found in /sys/class/gpio, Pi 4 and Pi 5 Bookworm)
  --page-seconds  seconds per LCD page (default ${DEFAULT_PAGE_MS / 1000})`;

/**
 * Draw the feed's snapshot now, on every change and every `everyMs` (age moves on without events: live → stale →
 * offline). Returns the stop for the ticks.
 */
function drawOnChange(feed: GatewayFeed, everyMs: number, draw: (s: NonNullable<ReturnType<GatewayFeed['snapshot']>>) => void): () => void {
  const redraw = () => {
    const s = feed.snapshot();
    if (s) draw(s);
  };
  feed.onChange(redraw);
  const tick = systemTimers.setInterval(redraw, everyMs);
  redraw();
  return () => systemTimers.clearInterval(tick);
}

export async function run(argv: string[]): Promise<number> {
  const o = parse('display', argv, {
    gateway: { type: 'string' }, sensor: { type: 'string' }, tty: { type: 'boolean' }, lcd: { type: 'string' },
    cols: { type: 'string' }, rows: { type: 'string' }, pins: { type: 'string' }, 'chip-label': { type: 'string' }, 'page-seconds': { type: 'string' },
  }, HELP);
  if (!o) return 0;
  if (!o.sensor) throw new CliError(`display: --sensor ID is required\n\n${HELP}`);
  if (Boolean(o.tty) === Boolean(o.lcd)) throw new CliError(`display: choose one of --tty or --lcd hd44780\n\n${HELP}`);
  if (o.lcd && o.lcd !== 'hd44780') throw new CliError(`display: --lcd supports 'hd44780' only, got '${o.lcd}'`);
  const base = o.gateway ?? 'http://localhost:8080';
  try {
    new URL(base);
  } catch {
    throw new CliError(`display: --gateway must be a URL such as https://drukte.voorbeeld.nl, got '${base}'`);
  }
  const errors: string[] = [];
  const feed = new GatewayFeed({ base, sensor: o.sensor, clock: systemClock, timers: systemTimers, onError: (m) => errors.push(m) });
  try {
    await feed.start();
  } catch (err) {
    throw new CliError(`display: ${(err as Error).message}`, 1);
  }

  let stopDrawing: () => void;
  if (o.tty) {
    const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    const tty = new TtyRenderer(process.stdout, color);
    tty.start();
    const stopTicks = drawOnChange(feed, 1000, (s) => tty.draw(s));
    stopDrawing = () => {
      stopTicks();
      tty.stop();
    };
  } else {
    const cols = Number(o.cols ?? 20);
    const rows = Number(o.rows ?? 4);
    if (cols !== 16 && cols !== 20) throw new CliError('display: --cols must be 16 or 20');
    if (rows !== 2 && rows !== 4) throw new CliError('display: --rows must be 2 or 4');
    const pageSeconds = Number(o['page-seconds'] ?? DEFAULT_PAGE_MS / 1000);
    if (!(pageSeconds >= 1 && pageSeconds <= 60)) throw new CliError('display: --page-seconds must be 1–60');
    let lcd: Hd44780;
    try {
      const pins = o.pins ? parsePins(o.pins) : DEFAULT_PINS;
      lcd = await Hd44780.open(onoffGpioOutputBinding, { cols, rows, pins, ...(o['chip-label'] ? { chipLabel: o['chip-label'] } : {}) }, systemTimers);
    } catch (err) {
      feed.stop();
      if (err instanceof GpioUnavailable || err instanceof Hd44780Error || err instanceof RangeError) throw new CliError(`display: ${err.message}`, 1);
      throw new CliError(`display: cannot open the LCD: ${(err as Error).message}`, 1);
    }
    const rotation = new LcdRotation(lcd, { cols, rows }, systemTimers, pageSeconds * 1000, (e) => process.stderr.write(`drukte display: LCD: ${e.message}\n`));
    const stopTicks = drawOnChange(feed, 5000, (s) => void rotation.update(s));
    stopDrawing = () => {
      stopTicks();
      rotation.stop();
      void rotation.idle().then(() => lcd.close());
    };
  }

  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  stopDrawing();
  feed.stop();
  for (const e of errors.slice(-3)) process.stderr.write(`drukte display: ${e}\n`);
  return 0;
}
