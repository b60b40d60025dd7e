// The start of an nginx.conf for a bench's own nginx: in the foreground, files
// under dir, no access log, keep-alive without a request cap (the choices of
// bench/peers/nginx.conf.tmpl). The caller writes the rest of the http block.
export function nginxHead(dir, workers) {
  return `worker_processes ${workers};
daemon off;
${process.getuid?.() === 0 ? 'user root;\n' : ''}pid ${dir}/nginx.pid;
error_log ${dir}/error.log crit;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path ${dir}/cb; proxy_temp_path ${dir}/p; fastcgi_temp_path ${dir}/f; uwsgi_temp_path ${dir}/u; scgi_temp_path ${dir}/s;
  keepalive_requests 1000000;
`
}
