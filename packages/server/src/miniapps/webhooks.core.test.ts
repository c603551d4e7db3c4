import { describe, expect, it } from 'vitest';
import { bareHostname, isPrivateAddress, privateWebhookHost } from './webhooks.core.js';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '10.255.255.255',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.1.2.3',
    '::ffff:c0a8:101',
    '0:0:0:0:0:ffff:169.254.169.254',
    'fe80::1',
    'fe80::1%eth0',
    'fc00::1',
    'fd12:3456:789a::1',
    'ff02::1',
    '64:ff9b::a00:1',
    '2002:7f00:1::',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '192.169.0.1',
    '169.253.255.255',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2001:db8::1',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('allows %s', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});

describe('privateWebhookHost', () => {
  it.each([
    ['http://127.0.0.1:8080/hooks', '127.0.0.1 is a private or reserved address'],
    ['https://10.1.2.3/hooks', '10.1.2.3 is a private or reserved address'],
    ['https://192.168.0.10/hooks', '192.168.0.10 is a private or reserved address'],
    ['http://[::1]:8080/hooks', '::1 is a private or reserved address'],
    ['https://[::ffff:127.0.0.1]/hooks', '::ffff:7f00:1 is a private or reserved address'],
    ['https://169.254.169.254/latest/meta-data', '169.254.169.254 is a private or reserved address'],
    ['https://2130706433/hooks', '127.0.0.1 is a private or reserved address'],
    ['https://0x7f.1/hooks', '127.0.0.1 is a private or reserved address'],
    ['http://localhost:8080/hooks', 'localhost is this machine'],
    ['https://LOCALHOST./hooks', 'localhost is this machine'],
    ['https://api.localhost/hooks', 'api.localhost is this machine'],
  ])('refuses %s', (url, reason) => {
    expect(privateWebhookHost(url)).toBe(reason);
  });

  it.each([
    'https://hooks.example.com/jiaozi',
    'https://8.8.8.8/hooks',
    'https://[2606:4700:4700::1111]/hooks',
  ])('allows %s', (url) => {
    expect(privateWebhookHost(url)).toBeNull();
  });

  it('strips brackets and a trailing dot', () => {
    expect(bareHostname('[::1]')).toBe('::1');
    expect(bareHostname('Example.COM.')).toBe('example.com');
  });
});
