/**
 * The sign on the pole under a sensor (principle IV: tell people on site), in Dutch and English, in ONE place: the
 * plain text (SIGN.txt in a provisioned bundle) and the printable A4/A5 page of `drukte sign` are both built from
 * `signSections()` here, so they say the same thing. A URL, not a QR code (a code hides where it leads).
 */
import type { Manifest } from './manifest.ts';

/** What the sign needs about a sensor (from a manifest or from the gateway's register entry). */
export interface SignSensor {
  id: string;
  purpose: string;
  owner: { name: string; organisation: string; email: string; phone?: string };
  expiresAt: string;
  registerUrl: string;
  location: { description: string };
  area: { m2: number };
  windowSeconds: number;
  kFloor: number;
  granularity: number;
  output: 'level' | 'level+count';
}

export function signSensorFromManifest(m: Manifest): SignSensor {
  return {
    id: m.id, purpose: m.purpose, owner: m.owner, expiresAt: m.expiresAt, registerUrl: m.registerUrl, location: { description: m.location.description },
    area: { m2: m.area.m2 }, windowSeconds: m.minimisation.windowSeconds, kFloor: m.minimisation.kFloor, granularity: m.minimisation.granularity, output: m.minimisation.output,
  };
}

/** The gateway's register entry (GET /api/sensors/{id}), with the contract defaults for missing fields. */
export function signSensorFromRegister(r: Omit<SignSensor, 'windowSeconds' | 'kFloor' | 'granularity' | 'output'> & { windowSeconds?: number; kFloor?: number; granularity?: number; output?: 'level' | 'level+count' }): SignSensor {
  return { ...r, windowSeconds: r.windowSeconds ?? 60, kFloor: r.kFloor ?? 5, granularity: r.granularity ?? 5, output: r.output ?? 'level+count' };
}

const MONTHS_NL = ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'];
const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "31 mei 2026" / "31 May 2026" for YYYY-MM-DD (no time zone involved: it is a calendar day). */
export function signDate(iso: string): { nl: string; en: string } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return { nl: iso, en: iso };
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return { nl: `${d} ${MONTHS_NL[mo - 1]} ${y}`, en: `${d} ${MONTHS_EN[mo - 1]} ${y}` };
}

export interface SignSection {
  /** Heading, Dutch / English. */
  nl: string;
  en: string;
  /** Lines, each as a Dutch / English pair. */
  lines: Array<{ nl: string; en: string }>;
}

export interface SignContent {
  title: { nl: string; en: string };
  sections: SignSection[];
  registerUrl: string;
}

export function signSections(s: SignSensor): SignContent {
  const until = signDate(s.expiresAt);
  const o = s.owner;
  const contact = `${o.organisation} (${o.name}) · ${o.email}${o.phone ? ` · ${o.phone}` : ''}`;
  const counts = s.output === 'level'
    ? { nl: `Alleen hoe druk het is (niveau A tot F) in een zone van ${String(s.area.m2).replace('.', ',')} m², per ${s.windowSeconds} seconden.`, en: `Only how busy it is (level A to F) in a zone of ${s.area.m2} m², every ${s.windowSeconds} seconds.` }
    : { nl: `Hoeveel mensen er zijn in een zone van ${String(s.area.m2).replace('.', ',')} m² (naar beneden afgerond op een veelvoud van ${s.granularity}) en hoe druk het is (A tot F), per ${s.windowSeconds} seconden. Bij minder dan ${s.kFloor} mensen alleen "minder dan ${s.kFloor}".`,
      en: `How many people are in a zone of ${s.area.m2} m² (rounded down to a multiple of ${s.granularity}) and how busy it is (A to F), every ${s.windowSeconds} seconds. Below ${s.kFloor} people only "fewer than ${s.kFloor}".` };
  return {
    title: { nl: 'Hier wordt drukte gemeten', en: 'This sensor measures how busy it is here' },
    registerUrl: s.registerUrl,
    sections: [
      { nl: 'Waarom', en: 'Why', lines: [{ nl: s.purpose, en: s.purpose }] },
      { nl: 'Wat wordt gemeten', en: 'What is measured', lines: [counts] },
      {
        nl: 'Wat NIET wordt gemeten', en: 'What is NOT measured', lines: [
          { nl: 'Geen camera, geen beelden, geen geluid.', en: 'No camera, no images, no sound.' },
          { nl: 'Geen gezichten, telefoons of andere kenmerken: niemand wordt herkend.', en: 'No faces, phones or other identifiers: nobody is recognised.' },
          { nl: 'Geen posities of looproutes: de sensor rekent ter plekke om naar een aantal; niemand wordt gevolgd.', en: 'No positions or paths: the sensor turns what it sees into a count on the spot; nobody is followed.' },
        ],
      },
      { nl: 'Van wie', en: 'Owner', lines: [{ nl: contact, en: contact }] },
      { nl: 'Tot wanneer', en: 'Until when', lines: [{ nl: `Deze sensor stopt op ${until.nl}.`, en: `This sensor stops on ${until.en}.` }] },
      { nl: 'Meer weten, vragen of bezwaar', en: 'More, questions or objections', lines: [{ nl: `Sensorregister: ${s.registerUrl}`, en: `Sensor register: ${s.registerUrl}` }] },
    ],
  };
}

/** The sign as plain text (SIGN.txt): Dutch, then English; lines that are the same in both languages once. */
export function signText(s: SignSensor): string {
  const c = signSections(s);
  const out: string[] = [`${c.title.nl} / ${c.title.en}`, `Sensor: ${s.id} — ${s.location.description}`, ''];
  for (const sec of c.sections) {
    out.push(`${sec.nl} / ${sec.en}:`);
    for (const l of sec.lines) {
      out.push(`  ${l.nl}`);
      if (l.en !== l.nl) out.push(`  ${l.en}`);
    }
    out.push('');
  }
  out.push(...framedUrl(s.registerUrl));
  return out.join('\n').trimEnd() + '\n';
}

/** The register URL on a line of its own in a frame, for printing large (a URL, not a QR code: it can be read aloud). */
export function framedUrl(url: string): string[] {
  const bar = '#'.repeat(url.length + 12);
  const pad = `##${' '.repeat(url.length + 8)}##`;
  return ['Register — meer informatie / more information:', '', bar, pad, `##    ${url}    ##`, pad, bar];
}
