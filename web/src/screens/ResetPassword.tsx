export function ResetPasswordScreen() {
  return <main className="signin" id="main"><h1>Reset your password</h1></main>;
}
