// The rotation schedule's rules on their own (the API's schema refuses most bad input before them; these
// are the rules behind it): the interval forms, and what a create or update asks for.
import { describe, expect, it } from 'vitest';
import { parseInterval, scheduleFor } from '../../server/domain/key-rotation.js';
import type { ProblemDetail } from '../../server/domain/errors.js';

const H = 3_600_000_000_000;
const NOW = new Date('2026-12-01T10:00:00.000Z');

describe('parseInterval', () => {
  it.each([
    ['30d', 30 * 24 * H],
    ['12h', 12 * H],
    ['1h30m', 1.5 * H],
    ['1.25h', 1.25 * H],
    ['90m', 1.5 * H],
    ['3600s', H],
    ['1500ms', 1.5e9],
    ['7us', 7000],
    ['7µs', 7000],
    ['9ns', 9],
    ['', 0],
    [0, 0],
    [H, H],
  ])('When the interval is %j, then it is %d ns', (value, ns) => {
    expect(parseInterval(value)).toBe(ns);
  });

  it.each(['x30d', '30dx', '30', 'd', '12hx', 'x12h', '1.xh', '1.h', 'h', '1h 30m', 'abc'])(
    'When the interval is %j, then it is not an interval (null)',
    (value) => {
      expect(parseInterval(value)).toBeNull();
    },
  );
});

describe('scheduleFor', () => {
  const create = (input: Parameters<typeof scheduleFor>[0]) => {
    const problems: ProblemDetail[] = [];
    return { schedule: scheduleFor(input, { now: NOW, problems }), problems };
  };

  it('When the interval is not one of the forms, then the problem names it and says which forms are', () => {
    expect(create({ auto_rotation_interval: 'soon' }).problems).toEqual([
      {
        param: 'auto_rotation_interval',
        message: 'must be a day count ("30d"), a duration ("12h", "1h30m") or integer nanoseconds',
      },
    ]);
  });

  it('When the interval is out of range, then the problem says the range', () => {
    for (const value of ['59m', '366d'])
      expect(create({ auto_rotation_interval: value }).problems).toEqual([
        { param: 'auto_rotation_interval', message: 'must be between 1h and 365d (or "" / 0 for off)' },
      ]);
    expect(create({ auto_rotation_interval: '1h' }).problems).toEqual([]);
    expect(create({ auto_rotation_interval: '365d' }).problems).toEqual([]);
  });

  it('When a rotation is cleared while on, set while off, or set to now, then each problem says why', () => {
    const on = { intervalNs: H, nextRotationAt: '2026-12-01T11:00:00.000Z' };
    const problems: ProblemDetail[] = [];
    scheduleFor({ next_rotation_at: null }, { current: on, now: NOW, problems });
    scheduleFor(
      { next_rotation_at: '2027-01-01T00:00:00Z' },
      { current: { intervalNs: 0, nextRotationAt: null }, now: NOW, problems },
    );
    scheduleFor({ next_rotation_at: NOW.toISOString() }, { current: on, now: NOW, problems });
    // rotation off and nothing stored: even the epoch is not "the stored value sent back"
    scheduleFor(
      { next_rotation_at: '1970-01-01T00:00:00Z' },
      { current: { intervalNs: 0, nextRotationAt: null }, now: NOW, problems },
    );
    expect(problems).toEqual([
      { param: 'next_rotation_at', message: 'can only be cleared (null) when automatic rotation is off' },
      { param: 'next_rotation_at', message: 'needs a non-zero auto_rotation_interval' },
      { param: 'next_rotation_at', message: 'must be in the future' },
      { param: 'next_rotation_at', message: 'needs a non-zero auto_rotation_interval' },
    ]);
  });

  it('When an update resends the stored next rotation (even a due one) or moves it, then the one sent is kept; a new interval with it keeps it too', () => {
    const due = { intervalNs: H, nextRotationAt: '2026-12-01T09:00:00.000Z' };
    const problems: ProblemDetail[] = [];
    expect(scheduleFor({ next_rotation_at: '2026-12-01T09:00:00Z' }, { current: due, now: NOW, problems })).toEqual(
      due,
    );
    expect(scheduleFor({ next_rotation_at: '2026-12-02T00:00:00Z' }, { current: due, now: NOW, problems })).toEqual({
      intervalNs: H,
      nextRotationAt: '2026-12-02T00:00:00.000Z',
    });
    // a changed interval with the old (past) time: not "unchanged", so the past time is refused
    expect(
      scheduleFor(
        { auto_rotation_interval: '2h', next_rotation_at: '2026-12-01T09:00:00Z' },
        { current: due, now: NOW, problems },
      ).intervalNs,
    ).toBe(2 * H);
    expect(problems).toEqual([{ param: 'next_rotation_at', message: 'must be in the future' }]);
  });

  it('When only the interval changes, then the next rotation is re-anchored to now + interval; unchanged, it stays', () => {
    const on = { intervalNs: H, nextRotationAt: '2026-12-01T10:30:00.000Z' };
    expect(scheduleFor({ auto_rotation_interval: '2h' }, { current: on, now: NOW, problems: [] })).toEqual({
      intervalNs: 2 * H,
      nextRotationAt: '2026-12-01T12:00:00.000Z',
    });
    expect(scheduleFor({ auto_rotation_interval: '1h' }, { current: on, now: NOW, problems: [] })).toEqual(on);
    expect(scheduleFor({}, { current: on, now: NOW, problems: [] })).toEqual(on);
    expect(scheduleFor({ auto_rotation_interval: '' }, { current: on, now: NOW, problems: [] })).toEqual({
      intervalNs: 0,
      nextRotationAt: null,
    });
    expect(create({}).schedule).toEqual({ intervalNs: 0, nextRotationAt: null });
  });
});
