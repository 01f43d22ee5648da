<?php
// Runs WordPress core's own download_url() + verify_file_signature() (wp-admin/includes/file.php,
// WP_Http and Requests from wp-includes) against a Sigil registry, without a web server or database.
// Usage: php download.php <wordpress dir> <package url> <trusted key base64>
// Prints one JSON line: {"ok":true,"file":...} or {"ok":false,"code":...,"message":...}.
error_reporting(E_ALL & ~E_DEPRECATED);
[$_, $wp, $url, $trusted] = $argv;
define('ABSPATH', rtrim($wp, '/') . '/');
define('WPINC', 'wp-includes');
define('WP_CONTENT_DIR', sys_get_temp_dir());
define('WP_CONTENT_URL', 'http://example.invalid/wp-content');
define('WP_TEMP_DIR', sys_get_temp_dir() . '/');
define('KB_IN_BYTES', 1024);
define('MB_IN_BYTES', 1048576);
define('WP_DEBUG', false);
function get_bloginfo($show = '') { return $show === 'version' ? $GLOBALS['wp_version'] : 'http://example.invalid'; }
function __($t, $d = 'default') { return $t; }
function _x($t, $c, $d = 'default') { return $t; }
require ABSPATH . WPINC . '/version.php';
foreach (['plugin.php', 'class-wp-error.php', 'load.php', 'functions.php', 'formatting.php', 'http.php', 'class-wp-http.php',
  'class-wp-http-streams.php', 'class-wp-http-curl.php', 'class-wp-http-proxy.php', 'class-wp-http-cookie.php',
  'class-wp-http-encoding.php', 'class-wp-http-response.php', 'class-wp-http-requests-response.php',
  'class-wp-http-requests-hooks.php', 'pluggable.php', 'kses.php'] as $f) {
  if (file_exists(ABSPATH . WPINC . '/' . $f)) require_once ABSPATH . WPINC . '/' . $f;
}
require_once ABSPATH . 'wp-admin/includes/file.php';
// Options come from the database in a real site; the HTTP code asks for these few.
$options = ['home' => 'http://example.invalid', 'siteurl' => 'http://example.invalid', 'blog_charset' => 'UTF-8'];
add_filter('pre_option', fn ($pre, $name) => $options[$name] ?? '', 10, 2);
$host = parse_url($url, PHP_URL_HOST);
$port = parse_url($url, PHP_URL_PORT);
// The three filters a site that trusts a Sigil registry sets (docs/wordpress.md), plus loopback for the test.
add_filter('wp_trusted_keys', fn ($keys) => array_merge($keys, [$trusted]));
add_filter('wp_signature_hosts', fn ($hosts) => array_merge($hosts, [$host]));
add_filter('wp_signature_softfail', '__return_false');
add_filter('http_request_host_is_external', '__return_true');
add_filter('http_allowed_safe_ports', fn ($ports) => array_merge($ports, [$port]));
$r = download_url($url, 30, true);
if (is_wp_error($r)) {
  echo json_encode(['ok' => false, 'code' => $r->get_error_code(), 'message' => $r->get_error_message()]), "\n";
  exit(1);
}
echo json_encode(['ok' => true, 'file' => $r, 'sha384' => hash_file('sha384', $r)]), "\n";
