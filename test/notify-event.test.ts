import { describe, expect, it } from 'vitest';
import { buildAlertEvent, eventId } from '../src/notify/alert-event.ts';
import { signBody, verifySignature } from '../src/notify/sign.ts';
import { parseKinds, parseWebhookUrl, subscriptionWants } from '../src/notify/subscriptions.ts';

describe('webhook events', () => {
  it('signs the exact body with HMAC-SHA256 of the secret (value computed independently)', () => {
    const body = '{"id":"alert/7/v1","type":"alert.created"}';
    expect(signBody('test-secret', body)).toBe(
      'sha256=d9473aaa9e3b79973b300550a7e52ad4e9609c9a7446492b1ac29f0682d8478b',
    );
    expect(verifySignature('test-secret', body, signBody('test-secret', body))).toBe(true);
    expect(verifySignature('other-secret', body, signBody('test-secret', body))).toBe(false);
    expect(verifySignature('test-secret', `${body} `, signBody('test-secret', body))).toBe(false);
    expect(verifySignature('test-secret', body, undefined)).toBe(false);
  });

  it('builds the event of a change with its id, the alert after it and links to the viewer, feature and evidence', () => {
    const geometry = {
      type: 'MultiPolygon',
      coordinates: [
        [
          [
            [15, 52],
            [15.01, 52],
            [15.01, 52.01],
            [15, 52],
          ],
        ],
      ],
    };
    const alert = {
      id: 7,
      areaId: 'delta',
      kind: 'flood',
      confidence: 'high',
      status: 'open',
      confirmation: 'confirmed',
      areaKm2: 1.25,
      firstSeen: '2024-04-01T10:00:00.000Z',
      lastSeen: '2024-04-11T10:00:00.000Z',
      version: 3,
      geometry,
    };
    const event = buildAlertEvent('confirmed', { id: 12, datetime: '2024-04-11T10:00:00.000Z' }, alert);
    expect(event).toEqual({
      id: 'alert/7/v3',
      type: 'alert.confirmed',
      acquisition: { id: 12, datetime: '2024-04-11T10:00:00.000Z' },
      alert,
      links: [
        { rel: 'alternate', type: 'text/html', href: '/alerts/7' },
        { rel: 'item', type: 'application/geo+json', href: '/collections/alerts/items/7' },
        { rel: 'evidence', type: 'application/json', href: '/api/alerts/7' },
      ],
    });
    expect(eventId(7, 1)).toBe('alert/7/v1');
  });

  it('filters by confidence and kind', () => {
    const high = { minConfidence: 'high', kinds: null };
    expect(subscriptionWants(high, 'flood', 'low')).toBe(false);
    expect(subscriptionWants(high, 'flood', 'high')).toBe(true);
    expect(subscriptionWants(high, 'burn', 'highest')).toBe(true);
    const floods = { minConfidence: 'low', kinds: ['flood'] };
    expect(subscriptionWants(floods, 'flood', 'low')).toBe(true);
    expect(subscriptionWants(floods, 'burn', 'highest')).toBe(false);
  });

  it('names bad webhook URLs and kinds', () => {
    expect(parseWebhookUrl('http://127.0.0.1:9000/hook')).toBe('http://127.0.0.1:9000/hook');
    expect(() => parseWebhookUrl('not a url')).toThrow('webhook "not a url" is not a URL');
    expect(() => parseWebhookUrl('ftp://example.org/x')).toThrow(
      'webhook "ftp://example.org/x" is not an http or https URL',
    );
    expect(parseKinds('flood, burn,flood')).toEqual(['flood', 'burn']);
    expect(() => parseKinds('flood,lava')).toThrow('kind "lava" is not one of');
    expect(() => parseKinds(' , ')).toThrow('kinds " , " names no kind');
  });
});
